import ldap
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.directory import NotConfigured
from accounts.sync import ldapsync


class Command(BaseCommand):
    help = (
        "Copy the configured attributes of linked accounts from the campus directory "
        "(LABNET_LDAPSYNC_ATTRIBUTES) and flag linked accounts whose campus identity is gone."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")

    def handle(self, dry_run: bool, **_) -> None:
        try:
            report = ldapsync(dry_run=dry_run)
        except (NotConfigured, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        except ldap.LDAPError as error:
            info = error.args[0] if error.args and isinstance(error.args[0], dict) else {}
            raise CommandError(f"ldapsync stopped: {info.get('desc', error)}") from None
        for line in report.lines():
            self.stdout.write(line)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{report.linked} linked accounts: {verb} {len(report.changed)}, "
            f"{len(report.gone)} campus identities gone, {len(report.back)} found again"
        )
