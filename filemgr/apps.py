from django.apps import AppConfig


class FilemgrConfig(AppConfig):
    name = "filemgr"
    verbose_name = "Managed files and templates"

    def ready(self) -> None:
        from entities.kept_tables import register_kept_table
        from entities.value_checks import register_value_check

        from .paths import PATH_VARIABLE, path_problem
        from .resolution import FILE_TYPE
        from .services import FILE_TABLE_NAME

        register_value_check(FILE_TYPE, PATH_VARIABLE, path_problem)
        register_kept_table(FILE_TYPE, FILE_TABLE_NAME, "the file webtool")
