"""Who may do what to moderated items (claims, evidence links, studies):
the rules that evidence/workflow.py applies for the admin and the API alike.

Which fields a curator may propose to change on published work, which only
editors change, who publishes, removes and deletes, and which status moves are
allowed. The admin's forms and the API's serializers ask these functions
rather than repeating the checks; :func:`~evidence.workflow.item_save_or_revise`
enforces them on every save.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from studies.models import Study
from studies.moderation import StudyStatus

from .effects import EFFECT_FIELDS
from .models import Claim, Evidence, Status

GRADE_FIELDS = [
    "risk_of_bias",
    "indirectness",
    "indirectness_reasons",
    "imprecision",
    "inconsistency",
    "publication_bias",
    "large_effect",
    "dose_response",
]
# The fields of published work that a curator may propose to change.
REVISABLE_FIELDS = {
    "claim": ["statement", "description", "topic", "aliases", "effect_favours_claim"],
    "evidence": [
        "study",
        "evidence_type",
        "direction",
        "finding",
        "quote",
        *GRADE_FIELDS,
        *EFFECT_FIELDS,
    ],
    "study": [
        "title",
        "authors",
        "authors_et_al",
        "year",
        "journal",
        "volume",
        "issue",
        "pages",
        "doi",
        "pmid",
        "url",
        "abstract",
        "design",
        "design_detail",
        "population",
        "population_detail",
        "sample_size",
        "dose",
        "retracted",
        "retraction_date",
        "retraction_url",
    ],
}
# Fields only editors change, whatever the item's status (the status itself
# is checked by status_change_check).
VERDICT_OVERRIDE_FIELDS = [
    "certainty_override",
    "direction_override",
    "certainty_override_reason",
]
EDITOR_ONLY_FIELDS = {
    # A claim's slug is permanent once created (citations link to it): only
    # editors rename, and the old slug then redirects.
    "claim": [*VERDICT_OVERRIDE_FIELDS, "slug"],
    "evidence": [],
    "study": [],
}
# Editor-only fields that anyone sets when creating an item.
SET_AT_CREATION = {"slug"}
UNPUBLISHED = (Status.DRAFT, Status.IN_REVIEW)
NOUNS = {"claim": "claim", "evidence": "evidence link", "study": "study"}
# How published work is taken down, and where the reason is kept.
REMOVED_STATUS = {
    "claim": Status.RETRACTED,
    "evidence": Status.RETRACTED,
    "study": StudyStatus.WITHDRAWN,
}
REMOVAL_REASON_FIELD = {
    "claim": "retraction_reason",
    "evidence": "retraction_reason",
    "study": "withdrawal_reason",
}
PUBLISH_PERMISSIONS = {
    "claim": "evidence.publish_claim",
    "evidence": "evidence.publish_evidence",
    "study": "studies.publish_study",
}

Moderated = Claim | Evidence | Study


class StaleRevision(ValidationError):
    """The published item changed (or was taken down) since the revision was proposed."""


def model_name_of(instance) -> str:
    return instance._meta.model_name


def noun_of(instance) -> str:
    return NOUNS[model_name_of(instance)]


def is_editor(user, model_name: str) -> bool:
    """True when ``user`` may publish items of ``model_name`` (claim, evidence, study)."""
    return bool(user and user.has_perm(PUBLISH_PERMISSIONS[model_name]))


def editor_only_fields(user, model_name: str, *, existing: bool = True) -> list[str]:
    """The fields of a ``model_name`` item that ``user`` may not change: none
    for editors. ``existing``: of a stored item rather than a new one."""
    if is_editor(user, model_name):
        return []
    return [
        name
        for name in EDITOR_ONLY_FIELDS[model_name]
        if existing or name not in SET_AT_CREATION
    ]


def owned_by(model, user) -> models.Q:
    """A filter for the ``model`` rows ``user`` created: links by ``added_by``,
    claims and studies by the user of their first historical record."""
    if model is Evidence:
        return models.Q(added_by=user)
    created = model.history.filter(history_type="+", history_user=user)
    return models.Q(pk__in=created.values("id"))


def may_delete(*, user, instance: Moderated) -> bool:
    """True when ``user`` may delete ``instance``: never once-published work;
    editors any unpublished item, curators their own drafts."""
    if instance.status not in UNPUBLISHED or instance.ever_published:
        return False
    model_name = model_name_of(instance)
    if user.has_perm(f"{instance._meta.app_label}.delete_{model_name}"):
        return True
    return (
        instance.status == Status.DRAFT
        and bool(getattr(user, "pk", None))
        and type(instance)
        .objects.filter(owned_by(type(instance), user), pk=instance.pk)
        .exists()
    )


def stored_status(instance) -> str | None:
    """The status as saved in the database (``None`` for a new item)."""
    if instance.pk is None:
        return None
    return (
        type(instance)
        .objects.filter(pk=instance.pk)
        .values_list("status", flat=True)
        .first()
    )


def status_change_check(
    *, user, instance: Moderated, new_status: str, comment: str = "", reason: str = ""
) -> None:
    """Refuse a status change that ``user`` may not make.

    Raises ``PermissionDenied`` when the change needs an editor, and
    ``ValidationError`` when it is not a valid move at all.
    """
    old_status = stored_status(instance)
    if new_status == old_status:
        return
    model_name = model_name_of(instance)
    editor = is_editor(user, model_name)
    noun = NOUNS[model_name]
    removed = REMOVED_STATUS[model_name]
    reason_field = REMOVAL_REASON_FIELD[model_name]
    verb = "withdraw" if model_name == "study" else "retract"
    if new_status in (Status.PUBLISHED, removed) and not editor:
        raise PermissionDenied(
            f"Only editors can publish or {verb} a {noun}. Set its status to "
            "“in_review” to submit it for review."
        )
    if old_status in (Status.PUBLISHED, removed) and not editor:
        raise PermissionDenied(
            f"Only editors can change the status of a {old_status} {noun}."
        )
    if new_status == removed:
        if old_status != Status.PUBLISHED and not instance.ever_published:
            raise ValidationError(
                {
                    "status": f"Only published work is {removed}; an unpublished {noun} can be deleted."
                }
            )
        if not (reason or "").strip():
            raise ValidationError(
                {reason_field: f"Give the reason why the {noun} is {removed}."}
            )
    if old_status == Status.IN_REVIEW and new_status == Status.DRAFT and editor:
        if not (comment or "").strip():
            raise ValidationError(
                {
                    "review_comment": "Say why it goes back to the curator (review comment)."
                }
            )
