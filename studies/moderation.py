"""The vocabulary of moderated publishing that studies, claims and links share.

Studies live below the evidence app, so what both need — the study
statuses, who may see which, and the permission that makes an editor — is
kept here, where ``evidence`` can import it without a cycle.
"""

from django.db import models


class StudyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    # Taken down by an editor (hidden from the public, kept with its reason);
    # not to be confused with ``Study.retracted``, a retraction by the
    # publisher, which stays public and flagged.
    WITHDRAWN = "withdrawn", "Withdrawn"


STUDY_UNPUBLISHED = (StudyStatus.DRAFT, StudyStatus.IN_REVIEW)


def publish_permission(model) -> str:
    """The permission that lets a user publish items of ``model`` (an editor)."""
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


def study_visible_statuses(user) -> list[str]:
    """Study statuses ``user`` may see: the public sees published studies
    only, curators also drafts and studies in review, editors also withdrawn
    ones."""
    if not (user and user.is_authenticated):
        return [StudyStatus.PUBLISHED]
    if user.has_perm("studies.publish_study"):
        return list(StudyStatus.values)
    if user.has_perm("studies.change_study"):
        return [StudyStatus.DRAFT, StudyStatus.IN_REVIEW, StudyStatus.PUBLISHED]
    return [StudyStatus.PUBLISHED]
