from django.apps import AppConfig


class FilemgrConfig(AppConfig):
    name = "filemgr"
    verbose_name = "Managed files and templates"
