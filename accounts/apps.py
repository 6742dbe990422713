from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Directory accounts"

    def ready(self) -> None:
        from core.homes import register_home_lookup
        from labnet_site.celery import app

        from .homes import home_of
        from .tasks import EXPIRY_SECONDS, EXPIRY_TASK, LDAPSYNC_SECONDS, LDAPSYNC_TASK

        for task, seconds in ((LDAPSYNC_TASK, LDAPSYNC_SECONDS), (EXPIRY_TASK, EXPIRY_SECONDS)):
            app.conf.beat_schedule.setdefault(task, {"task": task, "schedule": seconds})
        register_home_lookup(home_of)  # backups' "which backups are mine"
