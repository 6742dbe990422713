from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.refusals import refusal_text
from workers.certificates import ca_directory, do_init_ca, do_publish_crl


class Command(BaseCommand):
    help = (
        "The Labnet certificate authority: `init` makes it (key and certificate in "
        "LABNET_CA_DIR, default var/ca) and ships its certificate and revocation list to every "
        "host as managed files; `crl` signs and ships a new revocation list now."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["init", "crl"])
        parser.add_argument("--name", default="Labnet CA", help="the CA's common name (init)")

    def handle(self, action: str, name: str, **_) -> None:
        try:
            if action == "init":
                do_init_ca(name)
                self.stdout.write(f"Labnet CA made in {ca_directory()}")
            else:
                do_publish_crl()
                self.stdout.write("revocation list published")
        except ValidationError as exc:
            raise CommandError(refusal_text(exc)) from None
