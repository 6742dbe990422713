"""manage.py demo: the guide's examples as demo data, once. Lives in filemgr, not entities,
because it also commits the managed files' contents to the master store."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from entities.models import Entity
from entities.schema import DEMO_MIRROR
from filemgr.demo import DEMO_USER, commit_demo_files
from filemgr.store import MasterStore

DEMO_PASSWORD = "labnet-demo"


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
