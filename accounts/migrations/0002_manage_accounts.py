"""Managing directory accounts is the admin role's right (core.permissions MANAGE_ACCOUNTS):
the webtool creates, locks and resets the passwords of the accounts everyone signs in with."""

from django.db import migrations


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="accounts", model="accountchange"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="manage_accounts",
        defaults={"name": "Can manage directory accounts"},
    )
    group, _ = Group.objects.get_or_create(name="admin")
    group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("entities", "0002_sequence_and_groups")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
