"""Writes shared by the admin, the API, the seed and the import commands."""

from django.db import transaction

from .models import Claim, Evidence
from .profile import evidence_profile


@transaction.atomic
def claim_profile_refresh(*, claim_id):
    """Recount the counted links of one claim and store its profile.

    Counted are published links to studies that have not been retracted.

    The claim row is locked first, so that two writers adding links to the
    same claim at once cannot both store a count that misses the other's link.
    """
    claim = Claim.objects.select_for_update().filter(pk=claim_id).only("pk").first()
    if claim is None:
        return None
    counts = Evidence.objects.filter(claim_id=claim_id).counted().profile_counts()
    profile = evidence_profile(counts)
    Claim.objects.filter(pk=claim_id).update(
        profile_counts=profile.counts,
        evidence_count=profile.total,
        strength_score=profile.score,
    )
    return profile


def claims_profile_refresh_all(*, claim_ids=None, progress=None):
    """Recount every claim's profile (after bulk writes that skip signals)."""
    claims = (
        Claim.objects.all()
        if claim_ids is None
        else Claim.objects.filter(pk__in=claim_ids)
    )
    for claim_id in claims.values_list("pk", flat=True).iterator():
        claim_profile_refresh(claim_id=claim_id)
        if progress:
            progress(1)
