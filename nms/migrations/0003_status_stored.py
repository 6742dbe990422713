from django.db import migrations, models
from django.db.models import F


def stored_is_the_current_number(apps, schema_editor) -> None:
    """Every value change was stored until now, so the last stored number is the current one."""
    apps.get_model("nms", "Status").objects.update(stored=F("number"))


class Migration(migrations.Migration):
    dependencies = [("nms", "0002_roles")]

    operations = [
        migrations.AddField(
            model_name="status",
            name="stored",
            field=models.FloatField(
                blank=True,
                null=True,
                help_text="The number last written to the history: the deadband is measured from it.",
            ),
        ),
        migrations.RunPython(stored_is_the_current_number, migrations.RunPython.noop),
    ]
