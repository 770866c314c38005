"""Writes shared by the admin, the API, the seed and the import commands."""

from collections import defaultdict

from django.db import transaction
from django.db.models import Count

from .models import Claim, Evidence
from .profile import counts_from_rows, evidence_profile


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


@transaction.atomic
def claims_profile_refresh_all(*, claim_ids=None):
    """Recount the profiles of many claims (all by default) and store them.

    For bulk writes that skip signals: one grouped query counts the links of
    every claim at once, and the profiles are written back in batches. The
    claims are locked first, as in :func:`claim_profile_refresh`. Returns the
    number of claims refreshed.
    """
    claims = Claim.objects.order_by("pk")
    if claim_ids is not None:
        claims = claims.filter(pk__in=claim_ids)
    locked = list(claims.select_for_update().only("pk"))
    rows = (
        Evidence.objects.filter(claim__in=claims.values("pk"))
        .counted()
        .order_by()
        .values_list("claim_id", "evidence_type", "direction")
        .annotate(number=Count("id"))
    )
    rows_by_claim = defaultdict(list)
    for claim_id, evidence_type, direction, number in rows:
        rows_by_claim[claim_id].append((evidence_type, direction, number))
    for claim in locked:
        profile = evidence_profile(counts_from_rows(rows_by_claim[claim.pk]))
        claim.profile_counts = profile.counts
        claim.evidence_count = profile.total
        claim.strength_score = profile.score
    Claim.objects.bulk_update(
        locked,
        ["profile_counts", "evidence_count", "strength_score"],
        batch_size=500,
    )
    return len(locked)
