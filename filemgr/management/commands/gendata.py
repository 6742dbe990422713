"""manage.py gendata: gendata's synthetic campus (entities/gendata.py) for benchmarks. Lives
in filemgr, not entities, because it also commits the demo's managed files to the master
store, as `manage.py demo` does."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.files import write_atomic
from entities.gendata import DEFAULT_ENTITIES, campus
from entities.importing import do_load_mirror
from entities.mirror import (
    VAR_DEFS_DIR,
    MirrorEntity,
    MirrorEntityType,
    entity_xml,
    var_defs_xml,
)
from entities.models import Entity
from filemgr.demo import commit_demo_files
from filemgr.store import MasterStore

USER = "gendata"


class Command(BaseCommand):
    help = (
        "Build a synthetic campus in the demo's schema (default 17,000 entities, about "
        "600,000 values): the demo data with its hosts cloned, and the demo's managed files "
        "committed to the master store."
    )

    def add_arguments(self, parser):
        parser.add_argument("--entities", type=int, default=DEFAULT_ENTITIES)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--mirror",
            metavar="DIR",
            help="Write the campus as an XML mirror instead of loading it (the file contents "
            "stay in demo/files).",
        )

    def handle(self, entities, seed, mirror, **options):
        items = list(campus(entities, seed))
        if mirror:
            for item in items:
                if isinstance(item, MirrorEntityType):
                    write_atomic(Path(mirror, VAR_DEFS_DIR, item.name), var_defs_xml(item))
                else:
                    write_atomic(Path(mirror, item.entity_type, item.name), entity_xml(item))
        else:
            if Entity.objects.exists():
                raise CommandError(
                    "gendata loads into an empty database only; this one has entities"
                )
            do_load_mirror(items, user=USER)
            commit_demo_files(MasterStore(), user=USER)
        generated = [i for i in items if isinstance(i, MirrorEntity)]
        values = sum(len(v) for e in generated for v in e.variables.values())
        self.stdout.write(f"{len(generated)} entities, {values} values")
