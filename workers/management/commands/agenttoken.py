from django.core.management.base import BaseCommand

from workers.services import do_make_host_token


class Command(BaseCommand):
    help = "Print the API token of HOST's agent (made on first use): give it to the agent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("host", help="the host's entity name")

    def handle(self, host: str, **_) -> None:
        self.stdout.write(do_make_host_token(host))
