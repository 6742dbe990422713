from django.db import migrations, models
from django.db.models import F


def told_what_they_show(apps, schema_editor) -> None:
    """Every state change was mailed when it happened until now: count them as told."""
    apps.get_model("nms", "Status").objects.update(notified_state=F("state"))
    apps.get_model("nms", "Host").objects.filter(silent=True).update(notified_state="silent")


class Migration(migrations.Migration):
    dependencies = [("nms", "0004_host_collected")]

    operations = [
        migrations.AddField(
            model_name="host",
            name="notified_state",
            field=models.CharField(
                choices=[("reporting", "Reporting"), ("silent", "Silent")],
                default="reporting",
                help_text="What people were last told: silent or reporting.",
                max_length=9,
            ),
        ),
        migrations.AlterField(
            model_name="host",
            name="silent",
            field=models.BooleanField(
                default=False, help_text="Its silence was noticed and it has not reported since."
            ),
        ),
        migrations.AddField(
            model_name="status",
            name="notified_state",
            field=models.CharField(
                choices=[("ok", "OK"), ("warning", "Warning"), ("critical", "Critical")],
                default="ok",
                help_text="The state people were last told about; told again when the state "
                "differs and nothing mutes it.",
                max_length=8,
            ),
        ),
        migrations.RunPython(told_what_they_show, migrations.RunPython.noop),
    ]
