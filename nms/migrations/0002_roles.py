"""Editors and admins acknowledge problems, schedule maintenance and ask for a collection."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "add_acknowledgement",
    "change_acknowledgement",
    "add_maintenancewindow",
    "change_maintenancewindow",
    "request_collection",
]


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("nms")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="nms", codename__in=CODENAMES)
    for role in ("editor", "admin"):
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("nms", "0001_initial"), ("entities", "0002_sequence_and_groups")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
