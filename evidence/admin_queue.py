"""The admin home page's work queue: what waits for the signed-in person.

Curators see their own drafts, the items sent back to them with the editor's
comment, their items in review and their pending revisions; editors also see
everything awaiting them. Each section costs a fixed number of queries,
whatever the number of items.
"""

from dataclasses import dataclass, field

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from studies.models import Study

from .models import Claim, Evidence, Revision, RevisionStatus, Status
from .workflow import is_editor, owned_by

SHOWN = 5


@dataclass
class QueueSection:
    title: str
    count: int
    items: list = field(default_factory=list)  # (label, url, comment)
    changelist_url: str = ""


class AddedByMeFilter(admin.SimpleListFilter):
    """Items the signed-in person created (see :func:`owned_by`)."""

    title = "added by"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", "me")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(owned_by(queryset.model, request.user))
        return queryset


class NeedsGradingFilter(admin.SimpleListFilter):
    """Links with a GRADE domain still ``not_assessed``."""

    title = "grading"
    parameter_name = "grading"

    def lookups(self, request, model_admin):
        return [("needed", "needs grading")]

    def queryset(self, request, queryset):
        if self.value() == "needed":
            return queryset.needs_grading()
        return queryset


def _change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def _section(title, queryset, *, comment=False, changelist_query="") -> QueueSection:
    opts = queryset.model._meta
    items = [
        (str(obj), _change_url(obj), obj.review_comment if comment else "")
        for obj in queryset[:SHOWN]
    ]
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return QueueSection(
        title=title,
        count=queryset.count(),
        items=items,
        changelist_url=f"{url}?{changelist_query}" if changelist_query else url,
    )


def _querysets():
    return [
        (Claim, Claim.objects.order_by("-updated")),
        (Evidence, Evidence.objects.for_list().order_by("-updated")),
        (Study, Study.objects.order_by("-updated")),
    ]


def work_queue(user) -> list[QueueSection]:
    """The sections of ``user``'s work queue, non-empty ones only."""
    sections = []
    for model, queryset in _querysets():
        plural = model._meta.verbose_name_plural
        mine = queryset.filter(owned_by(model, user))
        sections += [
            _section(
                f"My draft {plural}",
                mine.filter(status=Status.DRAFT, review_comment=""),
                changelist_query="mine=1&status__exact=draft",
            ),
            _section(
                f"My {plural} sent back",
                mine.filter(status=Status.DRAFT).exclude(review_comment=""),
                comment=True,
                changelist_query="mine=1&status__exact=draft",
            ),
            _section(
                f"My {plural} in review",
                mine.filter(status=Status.IN_REVIEW),
                changelist_query="mine=1&status__exact=in_review",
            ),
        ]
    revisions = Revision.objects.pending().for_list()
    sections.append(
        _revision_section("My pending revisions", revisions.filter(proposed_by=user))
    )
    for model, queryset in _querysets():
        if is_editor(user, model._meta.model_name):
            sections.append(
                _section(
                    f"{model._meta.verbose_name_plural.capitalize()} awaiting review",
                    queryset.filter(status=Status.IN_REVIEW),
                    changelist_query="status__exact=in_review",
                )
            )
    if is_editor(user, "claim") or is_editor(user, "evidence"):
        sections.append(_revision_section("Revisions awaiting review", revisions))
    return [section for section in sections if section.count]


def _revision_section(title, queryset) -> QueueSection:
    return _section(title, queryset, changelist_query="status__exact=pending")


def decisions_to_notify(user) -> list[tuple[str, str, str]]:
    """Editors' decisions on ``user``'s revisions not yet shown to them, as
    (label, url, comment); marks them shown."""
    decided = list(Revision.objects.decided_unseen_by(user).for_list())
    if not decided:
        return []
    Revision.objects.filter(pk__in=[revision.pk for revision in decided]).update(
        proposer_notified_at=timezone.now()
    )
    verbs = {RevisionStatus.ACCEPTED: "accepted", RevisionStatus.REJECTED: "rejected"}
    return [
        (
            f"{revision} was {verbs[revision.status]}",
            _change_url(revision),
            revision.review_comment,
        )
        for revision in decided
    ]
