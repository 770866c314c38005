from django.core.management.base import BaseCommand, CommandError

from evidence.models import Claim
from evidence.services import version_links


class Command(BaseCommand):
    help = "List a claim's numbered versions with what changed, or show one version in full."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The claim's slug.")
        parser.add_argument(
            "--number", type=int, help="Show this version with its links."
        )

    def handle(self, *args, slug, number=None, **options):
        claim = Claim.objects.filter(slug=slug).first()
        if claim is None:
            raise CommandError(
                f"No claim has the slug “{slug}”; the slugs are listed at /api/v1/claims/."
            )
        if number is None:
            for version in claim.versions.order_by("number"):
                self.stdout.write(
                    f"v{version.number}  {version.created:%Y-%m-%d %H:%M}  "
                    f"{version.verdict_direction or '-':<8}{version.certainty:<9} "
                    f"{version.evidence_count:>5} links  {version.summary} {version.note}"
                )
            if not claim.version:
                self.stdout.write("Not published yet: no versions.")
            return
        version = claim.versions.filter(number=number).first()
        if version is None:
            raise CommandError(
                f"“{slug}” has no version {number}; it has {claim.version}."
            )
        self.stdout.write(
            f"{claim.slug} v{version.number} ({version.created:%Y-%m-%d %H:%M} UTC)"
        )
        self.stdout.write(f"Statement: {version.statement}")
        self.stdout.write(
            f"Verdict: {version.verdict_text or version.certainty}"
            + (f" ({version.note})" if version.note else "")
        )
        for step in version.certainty_steps:
            self.stdout.write(f"  - {step}")
        for field, (before, after) in version.changes.items():
            self.stdout.write(f"Changed {field}: {before} → {after}")
        for label, entries in (
            ("Added", version.links_added),
            ("Removed", version.links_removed),
            ("Regraded", version.links_changed),
        ):
            for entry in entries:
                self.stdout.write(
                    f"{label}: #{entry['id']} {entry['direction']} {entry['evidence_type']} {entry['citation']}"
                )
        self.stdout.write(f"Links at this version: {len(version_links(version))}")
