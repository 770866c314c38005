from django.core.management.base import BaseCommand
from tqdm import tqdm

from evidence.models import Release
from evidence.releases import (
    release_make,
    release_unpublished_versions,
    release_withdraw,
)

EXAMPLES_IN_NOTE = 5


class Command(BaseCommand):
    help = (
        "Find the releases that list claim versions that were never public (cut from "
        "draft states by earlier versions of the app), cut a new release, and mark each "
        "of them withdrawn with a note naming the new one. Their zips stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only list the releases that would be withdrawn.",
        )

    def handle(self, *args, dry_run=False, **options):
        quiet = options["verbosity"] == 0
        releases = list(Release.objects.filter(withdrawn=False).order_by("created"))
        found = {}
        for release in tqdm(
            releases, desc="Releases checked", unit=" releases", disable=quiet
        ):
            try:
                hidden = release_unpublished_versions(release)
            except (OSError, KeyError, ValueError) as error:
                self.stderr.write(
                    f"Release {release.name}: its zip cannot be read ({error}); "
                    "restore the file and run this again."
                )
                continue
            if hidden:
                found[release] = hidden
        if not found:
            self.stdout.write(self.style.SUCCESS("No release holds unpublished text."))
            return
        for release, hidden in found.items():
            self.stdout.write(
                f"Release {release.name} lists {len(hidden)} version(s) that were never "
                f"public: {self._examples(hidden)}"
            )
        if dry_run:
            self.stdout.write("Dry run: nothing withdrawn, no release made.")
            return
        with tqdm(desc="Rows written", unit=" rows", disable=quiet) as bar:
            replacement = release_make(progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Release {replacement.name}: {replacement.file.name} "
                f"({replacement.size} bytes)"
            )
        )
        for release, hidden in found.items():
            release_withdraw(
                release=release,
                note=(
                    f"Withdrawn: it listed {len(hidden)} claim version(s) that were "
                    f"never public ({self._examples(hidden)}). Release "
                    f"{replacement.name} replaces it."
                ),
            )
            self.stdout.write(self.style.SUCCESS(f"Release {release.name} withdrawn."))

    @staticmethod
    def _examples(hidden):
        shown = ", ".join(
            f"{slug} v{number}" for slug, number in hidden[:EXAMPLES_IN_NOTE]
        )
        more = len(hidden) - EXAMPLES_IN_NOTE
        return shown + (f" and {more} more" if more > 0 else "")
