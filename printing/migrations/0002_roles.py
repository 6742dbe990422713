"""Adding credit, refunding jobs and reading print reports is the admin role's right
(core.permissions MANAGE_PRINTING)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("printing")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="printing", codename="manage_printing")
    group, _ = Group.objects.get_or_create(name="admin")
    group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("printing", "0001_initial"), ("entities", "0002_sequence_and_groups")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
