from django.apps import AppConfig


class WimpConfig(AppConfig):
    name = "wimp"
    verbose_name = "WIMPng: managed Windows images"
