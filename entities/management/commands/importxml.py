from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from entities.importing import do_load_mirror_directory
from entities.mirror import MirrorError


class Command(BaseCommand):
    help = "Load an XML mirror into the configuration database, all or nothing."
    # The system checks (URLs, admin, templates) say nothing of a mirror and took a second of
    # a campus import on a loaded machine; migrate, which makes the tables, runs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--user", default="importxml", help="Name recorded in the change log.")

    def handle(self, directory, user, **options):
        try:
            counts = do_load_mirror_directory(directory, user=user)
        except MirrorError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(
                "mirror refused, nothing stored:\n" + "\n".join(exc.messages)
            ) from None
        self.stdout.write(
            "{types} types, {entities_created} entities created, {entities_changed} changed, "
            "{values} values read".format(**counts)
        )
