"""Moderated publishing of claims and evidence links.

The rules, in one place for the admin and the API:

- New items start as drafts. Curators create and edit drafts and submit them
  for review (``in_review``); only editors publish, send back (with a comment)
  or retract (with a reason).
- A curator's change to published work is held as a suggested revision
  (:class:`~evidence.models.Revision`) until an editor accepts it; the public
  keeps seeing the published version.
- Removing published work retracts it: hidden from the public, kept with its
  reason and history, visible to editors. Only unpublished work is deleted.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from studies.services import shortened

from .models import Revision, RevisionStatus, Status
from .services import claim_refresh_deferred

# The fields of published work that a curator may propose to change.
REVISABLE_FIELDS = {
    "claim": ["statement", "description", "aliases", "topic"],
    "evidence": ["study", "evidence_type", "direction", "finding", "quote"],
}
UNPUBLISHED = (Status.DRAFT, Status.IN_REVIEW)


def model_name_of(instance):
    return instance._meta.model_name


def is_editor(user, model_name):
    return bool(user and user.has_perm(f"evidence.publish_{model_name}"))


def stored_status(instance):
    """The status as saved in the database (``None`` for a new item)."""
    if instance.pk is None:
        return None
    return (
        type(instance)
        .objects.filter(pk=instance.pk)
        .values_list("status", flat=True)
        .first()
    )


def status_change_check(*, user, instance, new_status, comment="", reason=""):
    """Refuse a status change that ``user`` may not make.

    Raises ``PermissionDenied`` when the change needs an editor, and
    ``ValidationError`` when it is not a valid move at all.
    """
    old_status = stored_status(instance)
    if new_status == old_status:
        return
    model_name = model_name_of(instance)
    editor = is_editor(user, model_name)
    noun = "claim" if model_name == "claim" else "evidence link"
    if new_status in (Status.PUBLISHED, Status.RETRACTED) and not editor:
        raise PermissionDenied(
            f"Only editors can publish or retract a {noun}. Set its status to "
            "“in_review” to submit it for review."
        )
    if old_status in (Status.PUBLISHED, Status.RETRACTED) and not editor:
        raise PermissionDenied(
            f"Only editors can change the status of a {old_status} {noun}."
        )
    if new_status == Status.RETRACTED:
        if old_status != Status.PUBLISHED:
            raise ValidationError(
                {
                    "status": f"Only published work is retracted; an unpublished {noun} can be deleted."
                }
            )
        if not (reason or "").strip():
            raise ValidationError(
                {"retraction_reason": "Give the reason for the retraction."}
            )
    if old_status == Status.IN_REVIEW and new_status == Status.DRAFT and editor:
        if not (comment or "").strip():
            raise ValidationError(
                {
                    "review_comment": "Say why it goes back to the curator (review comment)."
                }
            )


def needs_revision(*, user, instance):
    """True when ``user``'s edit of ``instance`` must wait for an editor."""
    return stored_status(instance) == Status.PUBLISHED and not is_editor(
        user, model_name_of(instance)
    )


def _json_value(value):
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def revision_propose(*, instance, changes, user):
    """Hold ``changes`` (field → new value) to published ``instance`` for review.

    Only the revisable fields are kept, and only those that differ from the
    published values. Returns the :class:`Revision`, or ``None`` when nothing
    would change.
    """
    model_name = model_name_of(instance)
    published = type(instance).objects.get(pk=instance.pk)
    proposed, original = {}, {}
    for field in REVISABLE_FIELDS[model_name]:
        if field not in changes:
            continue
        new, old = _json_value(changes[field]), _json_value(getattr(published, field))
        if new != old:
            proposed[field], original[field] = new, old
    if not proposed:
        return None
    return Revision.objects.create(
        changes=proposed, original=original, proposed_by=user, **{model_name: published}
    )


def _apply(instance, changes):
    for field, value in changes.items():
        if field == "study":
            instance.study_id = value
        else:
            setattr(instance, field, value)


@transaction.atomic
def revision_accept(*, revision, user):
    """Apply a pending revision to the published item (editors only)."""
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    target = revision.target
    model_name = model_name_of(target)
    if not is_editor(user, model_name):
        raise PermissionDenied("Only editors can accept suggested revisions.")
    if revision.status != RevisionStatus.PENDING:
        raise ValidationError(f"This revision was already {revision.status}.")
    target = type(target).objects.select_for_update().get(pk=target.pk)
    stale = [
        field
        for field, value in revision.original.items()
        if _json_value(getattr(target, field)) != value
    ]
    if stale:
        raise ValidationError(
            "The published version changed since this revision was proposed "
            f"({', '.join(stale)}). Reject it and ask for a new one against the current version."
        )
    _apply(target, revision.changes)
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
def revision_reject(*, revision, user, comment):
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
def item_remove(*, instance, user, reason=""):
    """Delete unpublished work; retract published work (with a reason).

    Returns ``"deleted"`` or ``"retracted"``.
    """
    model_name = model_name_of(instance)
    noun = "claim" if model_name == "claim" else "evidence link"
    if instance.status in UNPUBLISHED:
        if not user.has_perm(f"evidence.delete_{model_name}"):
            raise PermissionDenied(f"Only editors can delete a {noun}.")
        instance.delete()
        return "deleted"
    if instance.status == Status.RETRACTED:
        raise ValidationError(
            f"This {noun} is already retracted; retracted work is kept."
        )
    status_change_check(
        user=user, instance=instance, new_status=Status.RETRACTED, reason=reason
    )
    instance.status = Status.RETRACTED
    instance.retraction_reason = reason.strip()
    # The history's reason holds 100 characters; the whole reason is kept
    # in retraction_reason.
    instance._change_reason = f"Retracted: {shortened(instance.retraction_reason, 85)}"
    instance.save()
    return "retracted"


def items_set_status(*, items, user, new_status):
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
            item.save()
    return len(items)
