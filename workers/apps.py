from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = "Host agents"

    def ready(self) -> None:
        from entities.services import changes_committed

        from .fanout import on_changes_committed

        changes_committed.connect(on_changes_committed, dispatch_uid="workers.fanout")

        from entities.value_checks import register_plan_check

        from .clashes import IDENTITY_VARIABLES, identity_clashes

        register_plan_check(IDENTITY_VARIABLES, identity_clashes)

        from labnet_site.celery import app

        from .tasks import REPUBLISH_CRL_SECONDS, REPUBLISH_CRL_TASK

        app.conf.beat_schedule.setdefault(
            REPUBLISH_CRL_TASK, {"task": REPUBLISH_CRL_TASK, "schedule": REPUBLISH_CRL_SECONDS}
        )
