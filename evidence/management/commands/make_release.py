from django.core.management.base import BaseCommand
from tqdm import tqdm

from evidence.releases import release_make


class Command(BaseCommand):
    help = (
        "Write a dated, immutable open-data release (CSV files, one JSON document, a data "
        "dictionary, a licence and SHA-256 checksums in a zip) through the default storage."
    )

    def handle(self, *args, **options):
        with tqdm(
            desc="Rows written", unit=" rows", disable=options["verbosity"] == 0
        ) as bar:
            release = release_make(progress=bar.update)
        counts = ", ".join(
            f"{number} {kind}" for kind, number in release.counts.items()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Release {release.name}: {release.file.name} ({release.size} bytes, {counts})"
            )
        )
        self.stdout.write(f"SHA-256 {release.sha256}")
