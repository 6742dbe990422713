"""Host token accounts lose the permission to see every secret: what a host reads of secrets
is now scoped to the host itself and the clients it serves (entities.secret_access)."""

from django.db import migrations


def revoke_secret_permission(apps, schema_editor):
    AgentHost = apps.get_model("workers", "AgentHost")
    User = apps.get_model("auth", "User")
    User.user_permissions.through.objects.filter(
        permission__content_type__app_label="entities",
        permission__codename="view_secret_values",
        user_id__in=AgentHost.objects.values("user_id"),
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workers", "0002_report_id_per_host"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(revoke_secret_permission, migrations.RunPython.noop)]
