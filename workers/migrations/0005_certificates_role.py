"""Revoking host certificates is the admin role's right (core.permissions MANAGE_CERTIFICATES)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("workers")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="workers", codename="manage_certificates"
    )
    group, _ = Group.objects.get_or_create(name="admin")
    group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("workers", "0004_host_certificates"), ("entities", "0002_sequence_and_groups")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
