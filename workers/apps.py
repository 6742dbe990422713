from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = "Host agents"

    def ready(self) -> None:
        from entities.services import changes_committed

        from .fanout import on_changes_committed

        changes_committed.connect(on_changes_committed, dispatch_uid="workers.fanout")
