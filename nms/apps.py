from django.apps import AppConfig


class NmsConfig(AppConfig):
    name = "nms"
    verbose_name = "Network monitoring"

    def ready(self) -> None:
        from core.readings import register_reading_source
        from labnet_site.celery import app

        from .readings import current_readings
        from .tasks import CHECK_SILENCE_TASK, SILENCE_CHECK_SECONDS

        register_reading_source(current_readings)

        app.conf.beat_schedule.setdefault(
            CHECK_SILENCE_TASK, {"task": CHECK_SILENCE_TASK, "schedule": SILENCE_CHECK_SECONDS}
        )
