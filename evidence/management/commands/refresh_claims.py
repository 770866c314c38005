"""Recompute every claim's stored profile, strength and verdict after a rule change.

A claim whose public verdict moved gets a new version noted "Rule change: …":
the rule, not a person, moved it, so no editor needs to review it.
"""

from django.core.management.base import BaseCommand

from ...models import Claim
from ...services import claim_refresh
from ...verdict import RULE_CHANGE


class Command(BaseCommand):
    help = (
        "Recompute every claim's stored derived values (profile, strength, verdict) "
        "and version the claims whose verdict moved."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rule-change",
            default=RULE_CHANGE,
            help="What changed in the rule, for the note of each new version "
            "(default: the latest change recorded in evidence/verdict.py).",
        )

    def handle(self, *args, rule_change, **options):
        ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
        total, moved = len(ids), 0
        step = max(1, total // 20)
        for done, claim_id in enumerate(ids, start=1):
            before = Claim.objects.filter(pk=claim_id).values_list("version").first()
            claim = claim_refresh(claim_id=claim_id, rule_change=rule_change)
            if claim is not None and before and claim.version != before[0]:
                moved += 1
                self.stdout.write(
                    f"{claim.slug}: version {claim.version} — {claim.verdict_text}"
                )
            if done % step == 0 or done == total:
                self.stdout.write(f"Refreshed {done} of {total} claims.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} claim{'s' if total != 1 else ''} refreshed; "
                f"{moved} verdict{'s' if moved != 1 else ''} moved and versioned."
            )
        )
