"""Writes shared by the admin, the API, the seed and the import commands.

The stored state derived from a claim's links — its evidence profile, its
verdict and its numbered versions — is refreshed here, in one place.
"""

import json
import threading
from collections import defaultdict
from contextlib import contextmanager
from itertools import groupby
from operator import itemgetter

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count
from django.dispatch import Signal
from django.utils import timezone

from studies.moderation import StudyStatus

from .models import Claim, ClaimVersion, Evidence, Status
from .moderation_rules import GRADE_FIELDS
from .profile import counts_from_rows, evidence_profile
from .synthesis import (
    claim_pooled,
    main_pooled_effect,
    pooled_by_claim,
    pooled_stored,
)
from .verdict import LEVEL_RANK, LinkAppraisal, claim_verdict, verdict_text

# A full snapshot of the links every this many versions; the ones between
# store only what changed.
VERSION_CHECKPOINT_EVERY = 25
APPRAISAL_FIELDS = [
    "evidence_type",
    "direction",
    "study__design",
    "study__sample_size",
    *GRADE_FIELDS,
]

_deferred = threading.local()

# Sent with ``claim`` when a refresh changed what clients see of it (its
# ``updated`` moved): written with QuerySet.update, so no post_save says so.
claim_refreshed = Signal()


@contextmanager
def claim_refresh_deferred():
    """Refresh each touched claim once, at the end, instead of after every write.

    For bulk writers (the seed, imports): a claim gaining twenty links gets
    one new version, not twenty.
    """
    if getattr(_deferred, "claim_ids", None) is not None:
        yield
        return
    _deferred.claim_ids = set()
    try:
        yield
        pending = _deferred.claim_ids
    finally:
        _deferred.claim_ids = None
    for claim_id in sorted(pending):
        claim_refresh(claim_id=claim_id)


def claim_refresh_requested(*, claim_id):
    """Refresh now, or at the end of the surrounding claim_refresh_deferred()."""
    pending = getattr(_deferred, "claim_ids", None)
    if pending is not None:
        pending.add(claim_id)
    else:
        claim_refresh(claim_id=claim_id)


def _appraisal(row):
    """A :class:`LinkAppraisal` from a ``values()`` row of APPRAISAL_FIELDS."""
    row = dict(row)
    row.pop("claim_id", None)
    design = row.pop("study__design")
    sample_size = row.pop("study__sample_size")
    reasons = tuple(row.pop("indirectness_reasons") or ())
    return LinkAppraisal(
        design=design, sample_size=sample_size, indirectness_reasons=reasons, **row
    )


def _appraisals(claim_id):
    rows = (
        Evidence.objects.filter(claim_id=claim_id).counted().values(*APPRAISAL_FIELDS)
    )
    for row in rows.iterator(chunk_size=2000):
        yield _appraisal(row)


def stored_assessment(*, claim, profile, verdict):
    """The claim's stored fields for its ``profile`` and computed ``verdict``
    (with the editor's overrides, if any): what a refresh writes, and what a
    check of stored data expects."""
    certainty = claim.certainty_override or verdict.certainty
    direction = claim.direction_override or verdict.direction
    return {
        "profile_counts": profile.counts,
        "evidence_count": profile.total,
        "strength_score": profile.score,
        "strength": profile.strength,
        "verdict_direction_computed": verdict.direction,
        "verdict_direction": direction,
        "verdict_text": verdict_text(
            basis=verdict.basis, direction=direction, certainty=certainty
        ),
        "certainty_computed": verdict.certainty,
        "certainty_steps": verdict.steps,
        "certainty": certainty,
        "certainty_rank": LEVEL_RANK[certainty],
    }


@transaction.atomic
def claim_refresh(*, claim_id, rule_change=""):
    """Recompute one claim's profile and verdict, and record a version.

    The claim row is locked first, so that two writers adding links to the
    same claim at once cannot both store a count that misses the other's
    link. With ``rule_change`` (what changed in the rule, for the version
    note), a version is recorded only if the public verdict moved. Returns
    the refreshed claim, or ``None`` if it no longer exists.
    """
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        return None
    profile = evidence_profile(
        Evidence.objects.filter(claim_id=claim_id).counted().profile_counts()
    )
    # The pooled effects (evidence/synthesis.py), computed once here: stored,
    # and weighed by the verdict.
    pooled = claim_pooled(claim_id=claim_id)
    verdict = claim_verdict(
        _appraisals(claim_id),
        pooled=main_pooled_effect(pooled),
        favours=claim.effect_favours_claim,
    )
    fields = stored_assessment(claim=claim, profile=profile, verdict=verdict)
    fields["meta_analyses"] = pooled_stored(pooled)
    before = _client_visible(claim, fields)
    Claim.objects.filter(pk=claim_id).update(**fields)
    for name, value in fields.items():
        setattr(claim, name, value)
    claim_version_sync(
        claim=claim, rule_change=rule_change, pooled_note=verdict.pooled_note
    )
    if _client_visible(claim, fields) != before:
        claim.updated = timezone.now()
        Claim.objects.filter(pk=claim_id).update(updated=claim.updated)
        claim_refreshed.send(sender=Claim, claim=claim)
    return claim


def _client_visible(claim, fields):
    """What a refresh may change that clients see of ``claim`` (its stored
    assessment and version), as JSON, so that a value read back from the
    database equals the same value computed."""
    values = {name: getattr(claim, name) for name in fields}
    values["version"] = claim.version
    return json.dumps(values, cls=DjangoJSONEncoder, sort_keys=True)


@transaction.atomic
def claims_refresh_all(*, claim_ids=None):
    """Recompute the profiles and verdicts of many claims (all by default).

    For bulk writes that skip signals (synthetic data): one grouped query
    counts the links of every claim at once, the appraisals stream claim by
    claim, and the results are written back in batches. The claims are locked
    first, as in :func:`claim_refresh`. No versions are recorded: a bulk load
    is not a curated change; the next curated change of a claim records one.
    Returns the number of claims refreshed.
    """
    claims = Claim.objects.order_by("pk")
    if claim_ids is not None:
        claims = claims.filter(pk__in=claim_ids)
    # Whole rows: whether a claim's stored values change decides its `updated`.
    locked = list(claims.select_for_update())
    counted = (
        Evidence.objects.filter(claim__in=claims.values("pk")).counted().order_by()
    )
    rows_by_claim = defaultdict(list)
    for claim_id, evidence_type, direction, number in counted.values_list(
        "claim_id", "evidence_type", "direction"
    ).annotate(number=Count("id")):
        rows_by_claim[claim_id].append((evidence_type, direction, number))
    profiles = {
        claim.pk: evidence_profile(counts_from_rows(rows_by_claim[claim.pk]))
        for claim in locked
    }
    verdicts, appraisals_by_claim = {}, {}
    appraisals = counted.order_by("claim_id").values("claim_id", *APPRAISAL_FIELDS)
    for claim_id, group in groupby(
        appraisals.iterator(chunk_size=5000), key=itemgetter("claim_id")
    ):
        appraisals_by_claim[claim_id] = [_appraisal(row) for row in group]
    pooled = pooled_by_claim(claims)
    for claim in locked:
        verdicts[claim.pk] = claim_verdict(
            appraisals_by_claim.get(claim.pk, []),
            pooled=main_pooled_effect(pooled.get(claim.pk, [])),
            favours=claim.effect_favours_claim,
        )
    fields = {}
    now = timezone.now()
    changed = []
    for claim in locked:
        verdict = verdicts.get(claim.pk) or claim_verdict([])
        fields = stored_assessment(
            claim=claim, profile=profiles[claim.pk], verdict=verdict
        )
        fields["meta_analyses"] = pooled_stored(pooled.get(claim.pk, []))
        before = _client_visible(claim, fields)
        for name, value in fields.items():
            setattr(claim, name, value)
        if _client_visible(claim, fields) != before:
            claim.updated = now
            changed.append(claim)
    if locked:
        Claim.objects.bulk_update(locked, [*fields, "updated"], batch_size=500)
    for claim in changed:
        claim_refreshed.send(sender=Claim, claim=claim)
    return len(locked)


# --- Versions ----------------------------------------------------------------


def _link_entry(row):
    return {
        "id": row["id"],
        "study": row["study_id"],
        "citation": row["citation"],
        "evidence_type": row["evidence_type"],
        "direction": row["direction"],
        "study_retracted": row["study__retracted"],
    }


def published_links_state(claim_id):
    """What the public sees of a claim's links: id → entry."""
    rows = (
        Evidence.objects.filter(
            claim_id=claim_id,
            status=Status.PUBLISHED,
            study__status=StudyStatus.PUBLISHED,
        )
        .select_related("study")
        .only(
            "id",
            "evidence_type",
            "direction",
            "study__id",
            "study__title",
            "study__authors",
            "study__authors_et_al",
            "study__year",
            "study__retracted",
        )
        .order_by("id")
    )
    state = {}
    for link in rows.iterator(chunk_size=2000):
        state[str(link.pk)] = _link_entry(
            {
                "id": link.pk,
                "study_id": link.study_id,
                "citation": f"{link.study.citation_short}. {link.study.title}",
                "evidence_type": link.evidence_type,
                "direction": link.direction,
                "study__retracted": link.study.retracted,
            }
        )
    return state


def version_links(version):
    """The published links (id → entry) as they stood at ``version``."""
    versions = list(
        ClaimVersion.objects.filter(
            claim_id=version.claim_id, number__lte=version.number
        )
        .filter(number__gt=version.number - VERSION_CHECKPOINT_EVERY)
        .order_by("number")
    )
    start = max(
        index for index, item in enumerate(versions) if item.links_snapshot is not None
    )
    state = dict(versions[start].links_snapshot)
    for item in versions[start + 1 :]:
        for entry in item.links_removed:
            state.pop(str(entry["id"]), None)
        for entry in item.links_added + item.links_changed:
            state[str(entry["id"])] = entry
    return state


CLAIM_VERSIONED_FIELDS = ["statement", "description", "topic", "status"]
# What a withdrawal record keeps of the last public version.
WITHDRAWN_COPIED_FIELDS = [
    "statement",
    "description",
    "topic",
    "certainty",
    "certainty_computed",
    "certainty_steps",
    "certainty_override_reason",
    "verdict_direction",
    "verdict_text",
    "strength_score",
    "strength",
    "profile_counts",
    "evidence_count",
]
LINK_VERSIONED_FIELDS = ["study", "evidence_type", "direction", "study_retracted"]


VERDICT_VERSIONED_FIELDS = ["verdict_direction", "certainty", "verdict_text"]


def _summary(changes, added, removed, changed, steps_changed=False):
    parts = []
    for field, (before, after) in changes.items():
        if field == "verdict_text":
            continue
        if field in ("certainty", "verdict_direction"):
            name = "certainty" if field == "certainty" else "verdict"
            parts.append(
                f"{name} {(before or 'not recorded').replace('_', ' ')} → "
                f"{after.replace('_', ' ')}"
            )
        elif field == "status":
            parts.append(f"status {before} → {after}")
        else:
            parts.append(f"{field} changed")
    for items, verb in ((added, "added"), (removed, "removed"), (changed, "regraded")):
        if items:
            parts.append(f"{len(items)} link{'s' if len(items) != 1 else ''} {verb}")
    if not parts and "verdict_text" in changes:
        parts.append("verdict reworded")
    if not parts and steps_changed:
        parts.append("reasons for the verdict updated")
    return "; ".join(parts).capitalize() + "." if parts else ""


def _version_number_keep(claim, number):
    """Store ``number`` as the claim's latest published version, in case a
    save of an older copy of the claim wrote an earlier one."""
    if claim.version != number:
        Claim.objects.filter(pk=claim.pk).update(version=number)
        claim.version = number


def _version_withdrawn(*, claim, latest):
    """Record that ``claim`` left public view after ``latest``: the text, the
    certainty and the links the public last saw, under the new status. Not
    shown to the public, and never the unpublished text."""
    copied = {name: getattr(latest, name) for name in WITHDRAWN_COPIED_FIELDS}
    number = latest.number + 1
    return ClaimVersion.objects.create(
        claim=claim,
        number=number,
        status=claim.status,
        links_snapshot=version_links(latest)
        if number % VERSION_CHECKPOINT_EVERY == 1
        else None,
        changes={"status": [latest.status, claim.status]},
        summary=f"Withdrawn from public view (status {latest.status} → {claim.status}).",
        **copied,
    )


def claim_version_sync(*, claim, rule_change="", pooled_note=""):
    """Record a new version of ``claim`` if what the public sees has changed.

    Versions are cut from published states only: a claim leaving publication
    records that it was withdrawn (:func:`_version_withdrawn`), and nothing
    while unpublished. With ``rule_change`` (a refresh after a change of the
    rule, not a person's edit) only a moved verdict makes a version, noted
    "Rule change: …". Returns the new :class:`ClaimVersion`, or ``None`` when
    nothing public changed.
    """
    latest = claim.versions.order_by("-number").first()
    if claim.status != Status.PUBLISHED:
        if latest is None:
            return None
        shown = latest
        if latest.status != Status.PUBLISHED:
            shown = claim.versions.published().order_by("-number").first()
        _version_number_keep(claim, shown.number if shown else 0)
        if latest.status != Status.PUBLISHED:
            return None
        return _version_withdrawn(claim=claim, latest=latest)
    links = published_links_state(claim.pk)
    shown = latest
    if latest is None:
        previous_links, changes = {}, {}
    else:
        # Links are diffed against the version before (versions rebuild
        # their links from those diffs); the claim's fields and verdict
        # against what the public last saw, so that no unpublished text
        # appears as "before".
        previous_links = version_links(latest)
        if latest.status != Status.PUBLISHED:
            shown = claim.versions.published().order_by("-number").first() or latest
        changes = {
            field: [getattr(shown, field), getattr(claim, field)]
            for field in CLAIM_VERSIONED_FIELDS + VERDICT_VERSIONED_FIELDS
            if getattr(shown, field) != getattr(claim, field)
        }
        if latest.status != claim.status:
            changes["status"] = [latest.status, claim.status]
    steps_changed = (
        shown is not None
        and shown.certainty_steps != claim.certainty_steps
        and not rule_change
    )
    added = [entry for key, entry in links.items() if key not in previous_links]
    removed = [entry for key, entry in previous_links.items() if key not in links]
    changed = [
        entry
        for key, entry in links.items()
        if key in previous_links
        and any(
            previous_links[key].get(field) != entry.get(field)
            for field in LINK_VERSIONED_FIELDS
        )
    ]
    moved = [field for field in VERDICT_VERSIONED_FIELDS if field in changes]
    if latest is not None and (
        not (changes or added or removed or changed or steps_changed)
        or (rule_change and not moved)
    ):
        _version_number_keep(claim, latest.number)
        return None
    number = 1 if latest is None else latest.number + 1
    Claim.objects.filter(pk=claim.pk).update(version=number)
    claim.version = number
    return ClaimVersion.objects.create(
        claim=claim,
        number=number,
        statement=claim.statement,
        description=claim.description,
        topic=claim.topic,
        status=claim.status,
        certainty=claim.certainty,
        certainty_computed=claim.certainty_computed,
        certainty_steps=claim.certainty_steps,
        certainty_override_reason=claim.certainty_override_reason
        if claim.verdict_overridden
        else "",
        verdict_direction=claim.verdict_direction,
        verdict_text=claim.verdict_text,
        strength_score=claim.strength_score,
        strength=claim.strength,
        profile_counts=claim.profile_counts,
        evidence_count=claim.evidence_count,
        links_snapshot=links if number % VERSION_CHECKPOINT_EVERY == 1 else None,
        links_added=added,
        links_removed=removed,
        links_changed=changed,
        changes=changes,
        summary="First published version."
        if latest is None
        else _summary(changes, added, removed, changed, steps_changed),
        note=f"Rule change: {rule_change}."
        if rule_change and latest
        else pooled_note
        if moved and latest
        else "",
    )
