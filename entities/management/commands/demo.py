from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from entities.models import Entity

DEMO_MIRROR = settings.BASE_DIR / "demo" / "mirror"
DEMO_PASSWORD = "labnet-demo"


class Command(BaseCommand):
    help = "Load the guide's examples as demo data and make one user per role, once."

    def handle(self, **options):
        if Entity.objects.exists():
            self.stdout.write("The database already holds entities; demo data not loaded.")
        else:
            call_command("importxml", str(DEMO_MIRROR), user="demo", stdout=self.stdout)
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
