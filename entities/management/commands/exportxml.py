from django.core.management.base import BaseCommand

from entities.exporting import export_mirror


class Command(BaseCommand):
    help = "Write the configuration database as an XML mirror (one file per entity)."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, directory, **options):
        counts = export_mirror(directory)
        self.stdout.write(
            "{written} files written, {unchanged} unchanged, {removed} removed".format(**counts)
        )
