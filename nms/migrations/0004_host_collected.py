from django.db import migrations, models
from django.db.models import F


def collected_is_the_last_report(apps, schema_editor) -> None:
    """The last report's time was its collection time until now."""
    apps.get_model("nms", "Host").objects.update(collected=F("last_report"))


class Migration(migrations.Migration):
    dependencies = [("nms", "0003_status_stored")]

    operations = [
        migrations.AddField(
            model_name="host",
            name="collected",
            field=models.DateTimeField(
                default="2000-01-01T00:00:00Z",
                help_text="When the newest report applied was taken, by the server's clock: "
                "older ones only fill in the history.",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="host",
            name="last_report",
            field=models.DateTimeField(help_text="When its last report was received."),
        ),
        migrations.RunPython(collected_is_the_last_report, migrations.RunPython.noop),
    ]
