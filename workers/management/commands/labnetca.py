from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.refusals import refusal_text
from workers.certificates import (
    ca_directory,
    do_init_ca,
    do_issue_web_server_certificate,
    do_publish_crl,
)
from workers.host.certs import CERT_DIR


class Command(BaseCommand):
    help = (
        "The Labnet certificate authority: `init` makes it (key and certificate in "
        "LABNET_CA_DIR, default var/ca) and ships its certificate and revocation list to every "
        "host as managed files; `crl` signs and ships a new revocation list now; `server HOST` "
        "issues the web server's own TLS certificate for its host entity HOST into --dir."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["init", "crl", "server"])
        parser.add_argument("host", nargs="?", help="the web server's host entity (server)")
        parser.add_argument("--name", default="Labnet CA", help="the CA's common name (init)")
        parser.add_argument(
            "--dir",
            default=CERT_DIR,
            help=f"where host.key and host.pem are written (server; default {CERT_DIR})",
        )

    def handle(self, action: str, name: str, host: str | None, dir: str, **_) -> None:
        try:
            if action == "init":
                do_init_ca(name)
                self.stdout.write(f"Labnet CA made in {ca_directory()}")
            elif action == "server":
                if not host:
                    raise CommandError("labnetca server: name the web server's host entity")
                issued = do_issue_web_server_certificate(host, Path(dir))
                self.stdout.write(
                    f"certificate {issued.serial} for {', '.join(issued.names + issued.addresses)}"
                    f" in {dir}/host.pem, its key in {dir}/host.key"
                )
            else:
                do_publish_crl()
                self.stdout.write("revocation list published")
        except ValidationError as exc:
            raise CommandError(refusal_text(exc)) from None
