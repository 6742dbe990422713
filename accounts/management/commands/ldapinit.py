import os

import ldap
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.directory import initialise


class Command(BaseCommand):
    help = (
        "Make the Labnet directory's tree (units, password policy, groups, the webtool's "
        "identity with LABNET_LDAP_BIND_PASSWORD) on a new slapd, bound as its rootdn; the "
        "rootdn's password comes from LABNET_LDAP_ROOT_PASSWORD. Entries already there stay."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--root-dn", help="default cn=admin,<LABNET_LDAP_BASE>")

    def handle(self, root_dn: str | None, **_) -> None:
        base = settings.LABNET_LDAP_BASE
        root_password = os.environ.get("LABNET_LDAP_ROOT_PASSWORD", "")
        if not settings.LABNET_LDAP_URL:
            raise CommandError("LABNET_LDAP_URL is not set.")
        if not root_password or not settings.LABNET_LDAP_BIND_PASSWORD:
            raise CommandError("Set LABNET_LDAP_ROOT_PASSWORD and LABNET_LDAP_BIND_PASSWORD.")
        try:
            added = initialise(
                settings.LABNET_LDAP_URL,
                root_dn or f"cn=admin,{base}",
                root_password,
                base,
                settings.LABNET_LDAP_BIND_PASSWORD,
            )
        except ldap.LDAPError as error:
            info = error.args[0] if error.args and isinstance(error.args[0], dict) else {}
            raise CommandError(
                f"ldapinit stopped: {info.get('desc', type(error).__name__)}"
            ) from None
        for dn in added:
            self.stdout.write(f"added {dn}")
        self.stdout.write(f"{len(added)} entries added")
