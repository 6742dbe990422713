"""The Celery application shared by the central worker and the host agents."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labnet_site.settings")

app = Celery("labnet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
