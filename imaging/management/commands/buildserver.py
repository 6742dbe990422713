"""manage.py buildserver SERVER: build the server its entity describes onto empty disks
(guide 3.6). The work is in imaging.host.buildserver; this reads and writes the database,
or with --server URL --token T, the API."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from imaging.build_database import DatabaseConfiguration
from imaging.host.buildserver import add_arguments, run_build


class Command(BaseCommand):
    help = "Build the server an entity describes onto empty disks (guide 3.6)."

    def add_arguments(self, parser):
        add_arguments(parser)

    def handle(self, *args, **options):
        namespace = argparse.Namespace(**options)
        database = None if options["api"] else DatabaseConfiguration("manage.py buildserver")
        status = run_build(namespace, database)
        if status:
            raise CommandError(
                f"buildserver {options['server_name']} exited {status}", returncode=status
            )
