"""Managing files, templates and scripts is the admin role's right (core.permissions
MANAGE_FILES): a managed file is installed, and its script run, as root on every host.

filemgr has no model of its own, so the permission hangs on a content type named for the
managed file (app label `filemgr`), which is all `user.has_perm("filemgr.manage_files")` reads."""

from django.db import migrations


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="filemgr", model="managedfile")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="manage_files",
        defaults={"name": "Can manage files, templates and scripts"},
    )
    group, _ = Group.objects.get_or_create(name="admin")
    group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("entities", "0002_sequence_and_groups")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
