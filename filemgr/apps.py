from django.apps import AppConfig


class FilemgrConfig(AppConfig):
    name = "filemgr"
    verbose_name = "Managed files and templates"

    def ready(self) -> None:
        from entities.value_checks import register_value_check

        from .paths import PATH_VARIABLE, path_problem
        from .resolution import FILE_TYPE

        register_value_check(FILE_TYPE, PATH_VARIABLE, path_problem)
