"""Moderated publishing of claims, evidence links and studies: the one
service the admin and the API save, revise, review and remove through.

The rules it applies (evidence/moderation_rules.py):

- New items start as drafts. Curators create and edit drafts and submit them
  for review (``in_review``); only editors publish, send back (with a comment)
  or take down published work (claims and links are retracted, studies
  withdrawn, with a reason).
- Every edit of an existing item goes through :func:`item_save_or_revise`:
  each changed field is saved, or — a curator's change to published work —
  held as a suggested revision (:class:`~evidence.models.Revision`) until an
  editor accepts it; the public keeps seeing the published version. Nothing
  is dropped, and a save that changes nothing writes nothing.
- Once published, an item is never deleted: removing it retracts (or
  withdraws) it, hidden from the public, kept with its reason and history.
  Only never-published work is deleted.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from core.text import shortened

from .models import Claim, Evidence, Revision, RevisionStatus, Status
from .moderation_rules import (
    EDITOR_ONLY_FIELDS,
    GRADE_FIELDS,
    NOUNS,
    PUBLISH_PERMISSIONS,
    REMOVAL_REASON_FIELD,
    REMOVED_STATUS,
    REVISABLE_FIELDS,
    UNPUBLISHED,
    Moderated,
    StaleRevision,
    editor_only_fields,
    is_editor,
    may_delete,
    model_name_of,
    noun_of,
    owned_by,
    status_change_check,
    stored_status,
)
from .services import claim_refresh, claim_refresh_deferred

# The rules are evidence/moderation_rules.py; the admin and the API import
# them from here with the service that applies them.
__all__ = [
    "EDITOR_ONLY_FIELDS",
    "GRADE_FIELDS",
    "NOUNS",
    "PUBLISH_PERMISSIONS",
    "REMOVAL_REASON_FIELD",
    "REMOVED_STATUS",
    "REVISABLE_FIELDS",
    "UNPUBLISHED",
    "Moderated",
    "SaveOutcome",
    "StaleRevision",
    "VerdictChange",
    "claims_of",
    "editable_changes",
    "editor_only_fields",
    "is_editor",
    "item_remove",
    "item_save_or_revise",
    "items_set_status",
    "may_delete",
    "model_name_of",
    "noun_of",
    "owned_by",
    "publish_verdict_preview",
    "revision_accept",
    "revision_reject",
    "revision_target_check",
    "revision_verdict_preview",
    "status_change_check",
    "stored_status",
    "verdict_label",
    "verdict_preview",
]


def _json_value(value):
    """``value`` as a revision stores it (JSON): a related row by its id."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _field_value(instance, name):
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname)
    return getattr(instance, name)


def _set_field(instance, name, value):
    field = instance._meta.get_field(name)
    if field.is_relation:
        setattr(instance, field.attname, _json_value(value))
    else:
        setattr(instance, name, value)


def editable_changes(instance, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` limited to the model's own editable fields (a form's extras dropped)."""
    names = {
        field.name
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    }
    return {name: value for name, value in values.items() if name in names}


@dataclass
class SaveOutcome:
    """What became of one edit: the fields saved, or the revision holding them."""

    instance: Any
    saved: list[str] = field(default_factory=list)
    revision: Revision | None = None

    @property
    def held(self) -> list[str]:
        return list(self.revision.changes) if self.revision else []

    @property
    def unchanged(self) -> bool:
        return not (self.saved or self.revision)


@transaction.atomic
def item_save_or_revise(
    *, instance: Moderated, changes: Mapping[str, Any], user, reason: str = ""
) -> SaveOutcome:
    """Save ``changes`` (field → new value) to the stored ``instance``, or hold them.

    Every field whose value differs from the stored one is either saved
    (editors; curators on unpublished work) or, for a curator's change to
    published work, held as a pending :class:`Revision` for an editor —
    never dropped. A field a curator may not propose (a status, an
    override) is refused with ``PermissionDenied``; nothing is written then.
    An edit that changes nothing writes nothing (no history row).
    ``instance`` may carry the new values already (an admin form's object);
    it is brought up to date with what was stored.
    """
    model = type(instance)
    model_name = model_name_of(instance)
    stored = model.objects.select_for_update().get(pk=instance.pk)
    changed = {
        name: value
        for name, value in editable_changes(stored, changes).items()
        if _json_value(value) != _json_value(_field_value(stored, name))
    }
    outcome = SaveOutcome(instance=stored)
    if not changed:
        _copy_state(stored, instance)
        return outcome
    editor = is_editor(user, model_name)
    noun = NOUNS[model_name]
    editor_only = set(changed) & set(editor_only_fields(user, model_name))
    if editor_only:
        raise PermissionDenied(
            f"Only editors change {', '.join(sorted(editor_only))} of a {noun}."
        )
    if "status" in changed:
        status_change_check(
            user=user,
            instance=stored,
            new_status=changed["status"],
            comment=changed.get("review_comment", stored.review_comment),
            reason=changed.get(
                REMOVAL_REASON_FIELD[model_name],
                getattr(stored, REMOVAL_REASON_FIELD[model_name]),
            ),
        )
    if stored.status == Status.PUBLISHED and not editor:
        not_revisable = sorted(set(changed) - set(REVISABLE_FIELDS[model_name]))
        if not_revisable:
            raise PermissionDenied(
                f"A suggested revision of a published {noun} cannot change "
                f"{', '.join(not_revisable)}: only editors can."
            )
        outcome.revision = Revision.objects.create(
            changes={name: _json_value(value) for name, value in changed.items()},
            original={
                name: _json_value(_field_value(stored, name)) for name in changed
            },
            proposed_by=user,
            **{model_name: stored},
        )
        _copy_state(stored, instance)
        return outcome
    for name, value in changed.items():
        _set_field(stored, name, value)
    stored._history_user = user
    stored._change_reason = reason or getattr(instance, "_change_reason", None)
    stored.save()
    outcome.saved = list(changed)
    _copy_state(stored, instance)
    return outcome


def _copy_state(source, target):
    if source is target:
        return
    for model_field in source._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(source, model_field.attname))


def revision_target_check(*, instance: Moderated) -> None:
    """Refuse a revision of an item that is no longer published (409 in the API)."""
    if instance.status != Status.PUBLISHED:
        raise StaleRevision(
            f"This {noun_of(instance)} is {instance.status} now: only published work "
            "takes suggested revisions. Reject this revision.",
            code="target_not_published",
        )


@transaction.atomic
def revision_accept(*, revision: Revision, user) -> Moderated:
    """Apply a pending revision to the published item (editors only).

    Refused (``StaleRevision``) when the item was taken down or its fields
    changed since the revision was proposed; nothing changes then.
    """
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    target = revision.target
    model_name = model_name_of(target)
    if not is_editor(user, model_name):
        raise PermissionDenied("Only editors can accept suggested revisions.")
    if revision.status != RevisionStatus.PENDING:
        raise ValidationError(f"This revision was already {revision.status}.")
    target = type(target).objects.select_for_update().get(pk=target.pk)
    revision_target_check(instance=target)
    stale = [
        name
        for name, value in revision.original.items()
        if _json_value(_field_value(target, name)) != value
    ]
    if stale:
        raise StaleRevision(
            "The published version changed since this revision was proposed "
            f"({', '.join(stale)}). Reject it and ask for a new one against the current version.",
            code="stale_revision",
        )
    for name, value in revision.changes.items():
        _set_field(target, name, value)
    target._history_user = user
    target._change_reason = (
        f"Accepted revision #{revision.pk} proposed by "
        f"{shortened(str(revision.proposed_by), 40)}"
    )
    target.save()
    revision.status = RevisionStatus.ACCEPTED
    revision.reviewed_by, revision.reviewed_at = user, timezone.now()
    revision.save()
    return target


@transaction.atomic
def revision_reject(*, revision: Revision, user, comment: str) -> Revision:
    """Reject a pending revision with a comment for its curator (editors only)."""
    if not is_editor(user, model_name_of(revision.target)):
        raise PermissionDenied("Only editors can reject suggested revisions.")
    if revision.status != RevisionStatus.PENDING:
        raise ValidationError(f"This revision was already {revision.status}.")
    if not (comment or "").strip():
        raise ValidationError({"review_comment": "Say why the revision is rejected."})
    revision.status = RevisionStatus.REJECTED
    revision.reviewed_by, revision.reviewed_at = user, timezone.now()
    revision.review_comment = comment.strip()
    revision.save()
    return revision


@transaction.atomic
def item_remove(*, instance: Moderated, user, reason: str = "") -> str:
    """Delete never-published work; retract (withdraw) anything once published.

    Returns ``"deleted"``, ``"retracted"`` or ``"withdrawn"``.
    """
    model_name = model_name_of(instance)
    noun = NOUNS[model_name]
    removed = REMOVED_STATUS[model_name]
    if instance.status in UNPUBLISHED and not instance.ever_published:
        if not may_delete(user=user, instance=instance):
            raise PermissionDenied(
                f"Only editors, or the curator who created it while it is a "
                f"draft, can delete a {noun}."
            )
        instance.delete()
        return "deleted"
    if instance.status == removed:
        raise ValidationError(
            f"This {noun} is already {removed}; {removed} work is kept."
        )
    status_change_check(user=user, instance=instance, new_status=removed, reason=reason)
    reason_field = REMOVAL_REASON_FIELD[model_name]
    instance.status = removed
    setattr(instance, reason_field, reason.strip())
    # The history's reason holds 100 characters; the whole reason is kept
    # in the item's reason field.
    instance._change_reason = (
        f"{removed.capitalize()}: {shortened(getattr(instance, reason_field), 85)}"
    )
    instance._history_user = user
    instance.save()
    return str(removed)


def items_set_status(*, items: Sequence[Moderated], user, new_status: str) -> int:
    """Move several items to ``new_status`` (admin actions); all or none.

    Rows are written in id order and each touched claim is refreshed once, at
    the end, in id order: two actions over overlapping items lock the same
    rows in the same order, so they queue instead of deadlocking.
    """
    with transaction.atomic(), claim_refresh_deferred():
        for item in sorted(items, key=lambda item: item.pk):
            status_change_check(user=user, instance=item, new_status=new_status)
            item.status = new_status
            item._change_reason = f"Status set to {new_status}"
            item._history_user = user
            item.save()
    return len(items)


# --- What a change would do to the verdicts ---------------------------------


def verdict_label(claim: Claim) -> str:
    """A claim's verdict in a few words, for before/after previews
    ("for, low"): its direction and its certainty in that direction."""
    return f"{claim.verdict_direction}, {claim.get_certainty_display().lower()}"


@dataclass
class VerdictChange:
    claim: Claim
    before: str
    after: str

    @property
    def moved(self) -> bool:
        return self.before != self.after

    def __str__(self):
        return f"{self.claim.statement}: {self.before} → {self.after}"


class _Rollback(Exception):
    pass


def claims_of(item: Moderated) -> list[int]:
    """Ids of the claims whose verdict ``item`` (a claim, link or study) bears on."""
    if isinstance(item, Claim):
        return [item.pk]
    if isinstance(item, Evidence):
        return sorted({item.claim_id, getattr(item, "_loaded_claim_id", item.claim_id)})
    return list(
        Evidence.objects.filter(study_id=item.pk)
        .order_by("claim_id")
        .values_list("claim_id", flat=True)
        .distinct()
    )


def verdict_preview(
    *, change: Callable[[], Any], claim_ids: Iterable[int]
) -> list[VerdictChange]:
    """The verdicts of ``claim_ids`` now and after ``change()``, which is undone.

    The real change runs, with the real refresh, inside a savepoint that is
    rolled back: the preview cannot drift from what publishing or accepting
    will do.
    """
    claim_ids = sorted(set(claim_ids))
    before = {
        claim.pk: verdict_label(claim)
        for claim in Claim.objects.filter(pk__in=claim_ids)
    }
    after = {}
    try:
        with transaction.atomic():
            change()
            for claim_id in claim_ids:
                claim = claim_refresh(claim_id=claim_id)
                if claim is not None:
                    after[claim_id] = claim
            raise _Rollback
    except _Rollback:
        pass
    return [
        VerdictChange(claim=claim, before=before[pk], after=verdict_label(claim))
        for pk, claim in sorted(after.items())
        if pk in before
    ]


def publish_verdict_preview(*, items: Sequence[Moderated]) -> list[VerdictChange]:
    """The verdicts that publishing ``items`` (claims, links or studies) would move."""

    def publish():
        for item in sorted(items, key=lambda item: item.pk):
            stored = type(item).objects.get(pk=item.pk)
            stored.status = Status.PUBLISHED
            stored.save()

    claim_ids = {claim_id for item in items for claim_id in claims_of(item)}
    return verdict_preview(change=publish, claim_ids=claim_ids)


def revision_verdict_preview(*, revision: Revision) -> list[VerdictChange]:
    """The verdicts that accepting ``revision`` would move."""
    target = revision.target

    def apply():
        stored = type(target).objects.get(pk=target.pk)
        for name, value in revision.changes.items():
            _set_field(stored, name, value)
        stored.save()

    claim_ids = set(claims_of(target))
    if "study" in revision.changes and isinstance(target, Evidence):
        claim_ids.add(target.claim_id)
    return verdict_preview(change=apply, claim_ids=claim_ids)
