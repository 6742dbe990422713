from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """User and system backups (guide 4.4, 4.5): the backup status views and Retrieve Backup
    Files; backupsync and bkupclean are its host programs (backups/host/)."""

    name = "backups"
    verbose_name = "Backups"

    def ready(self) -> None:
        from core.problems import register_problem_source

        from .status import overdue_backups

        register_problem_source(overdue_backups)
