"""templatecat TEMPLATE HOST [TYPE] [--mirror DIR]: print the file a template produces for a
host (DESIGN.md contract 2)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from entities.mirror import MirrorError
from filemgr.templating import MirrorSource, TemplateError, UnknownHost, compile_template
from filemgr.templating.sources.database import DatabaseSource


class Command(BaseCommand):
    help = "Print the file TEMPLATE produces for HOST, from the database or an XML mirror."
    # With --mirror nothing may touch the database, so the system checks are not run.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("template", help="the template file")
        parser.add_argument("host", help="the entity name of the host")
        parser.add_argument(
            "entity_type",
            nargs="?",
            help="the host's entity type (client or server); found by name when omitted",
        )
        parser.add_argument("--mirror", metavar="DIR", help="render from this XML mirror")

    def handle(self, template: str, host: str, entity_type: str | None, mirror: str | None, **_):
        try:
            text = Path(template).read_bytes()
        except OSError as exc:
            raise CommandError(f"{template}: {exc.strerror}") from None
        source = MirrorSource(mirror) if mirror else DatabaseSource(show_secrets=True)
        try:
            output = compile_template(text, template).render(source, host, entity_type, template)
        except TemplateError as exc:
            self.stderr.write(str(exc))
            sys.exit(1)
        except (UnknownHost, MirrorError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(output, ending="")
