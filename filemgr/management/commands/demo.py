"""manage.py demo: the guide's examples as demo data, once. Lives in filemgr, not entities,
because it also commits the managed files' contents to the master store."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from entities.models import Entity
from filemgr.resolution import FILE_TYPE
from filemgr.services import do_commit_instance, entity_managed_file
from filemgr.store import MasterStore

DEMO_MIRROR = settings.BASE_DIR / "demo" / "mirror"
DEMO_FILES = settings.BASE_DIR / "demo" / "files"
DEMO_PASSWORD = "labnet-demo"
DEMO_USER = "demo"
DEMO_MESSAGE = "Demo data"


def commit_demo_files(store: MasterStore) -> int:
    """Commit demo/files/<file>/<instance> for every FileTable row whose content the master
    store lacks (a store that already has it may hold a user's later version)."""
    committed = 0
    for entity in Entity.objects.filter(entity_type__name=FILE_TYPE).order_by("name"):
        for instance in entity_managed_file(entity).instances:
            path = DEMO_FILES / entity.name / instance.name
            if store.read(entity.name, instance.name) is not None or not path.is_file():
                continue
            do_commit_instance(
                entity,
                instance.name,
                path.read_bytes(),
                template=instance.template,
                message=DEMO_MESSAGE,
                user=DEMO_USER,
                store=store,
            )
            committed += 1
    return committed


class Command(BaseCommand):
    help = (
        "Load the guide's examples as demo data, commit their managed files to the master "
        "store and make one user per role, once."
    )

    def handle(self, **options) -> None:
        if Entity.objects.exists():
            self.stdout.write("The database already holds entities; demo data not loaded.")
        else:
            call_command("importxml", str(DEMO_MIRROR), user=DEMO_USER, stdout=self.stdout)
        committed = commit_demo_files(MasterStore())
        self.stdout.write(f"{committed} file instances committed to the master store.")
        for role in ("viewer", "editor", "admin"):
            user, created = User.objects.get_or_create(
                username=role,
                defaults={"is_staff": role == "admin", "is_superuser": role == "admin"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.add(Group.objects.get(name=role))
        self.stdout.write(f"Demo users viewer, editor and admin, password {DEMO_PASSWORD!r}.")
