"""The change log's counter row and the three roles of the webtool and API."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "viewer": [],
    "editor": ["add_entity", "change_entity", "delete_entity", "change_value"],
    "admin": [
        "add_entity",
        "change_entity",
        "delete_entity",
        "change_value",
        "add_entitytype",
        "change_entitytype",
        "delete_entitytype",
        "add_variabledefinition",
        "change_variabledefinition",
        "delete_variabledefinition",
        "view_secret_values",
    ],
}


def forwards(apps, schema_editor):
    apps.get_model("entities", "ChangeSequence").objects.get_or_create(pk=1)
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="entities", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
