"""Recording the change feed's events from every write path.

One recording point per kind of write, whoever makes it (admin, API,
workflow, import, seed, refresh, shell):

- ``pre_save`` / ``post_save`` / ``pre_delete`` / ``post_delete`` of claims,
  studies and evidence links compare whether the item was public before the
  write with whether it is public after it;
- ``claim_refreshed`` (evidence.services): a refresh changed what clients see
  of a claim (verdict, profile, version) through ``QuerySet.update``;
- ``studies_updated_in_bulk`` (studies.imports): an import updated studies
  with ``bulk_update``.

Only public changes are recorded: a change to something the public never
saw is invisible; becoming public is ``publish`` (``create`` if it was
created public), ceasing to be is ``unpublish``, ``retract``, ``withdraw`` or
``delete``. A link is public when it, its claim and its study are published
(``Evidence.objects.published()``), so publishing or hiding a claim or study
records the same move for each of its published links.

Raw saves (``loaddata``, restores) record nothing: they bring a stored state,
change feed included. Bulk loads that skip signals (synthetic benchmark data)
are not in the feed either.
"""

from django.db import connections, router, transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from evidence.models import Claim, Evidence, Status
from evidence.services import claim_refreshed
from studies.imports import studies_updated_in_bulk
from studies.models import Study
from studies.moderation import StudyStatus

from .models import REMOVALS, Action, Change, Kind, PendingChange

# Any number, the same in every process: the key of the lock that orders
# sequencing on PostgreSQL (SQLite runs one writing transaction at a time).
SEQUENCE_LOCK_KEY = 7_101_101


def action_of(*, was_public: bool, is_public: bool, created: bool, status: str):
    """The feed's action for a write that took an item from ``was_public`` to
    ``is_public`` (now in ``status``), or ``None`` if the public saw nothing."""
    if is_public:
        if created:
            return Action.CREATE
        return Action.UPDATE if was_public else Action.PUBLISH
    if not was_public:
        return None
    if status == Status.RETRACTED:
        return Action.RETRACT
    if status == StudyStatus.WITHDRAWN:
        return Action.WITHDRAW
    return Action.UNPUBLISH


def changes_recorded(events, *, using, implied=True):
    """Record ``events`` ((kind, id, slug, action) tuples) in the current
    transaction, with the updates they imply; they are sequenced once it
    commits."""
    events = [event for event in events if event[3] is not None]
    if not events:
        return
    if implied:
        events += _implied_updates(events, using)
    PendingChange.objects.using(using).bulk_create(
        PendingChange(kind=kind, object_id=pk, slug=slug or "", action=action)
        for kind, pk, slug, action in events
    )
    _sequence_on_commit(using)


def _sequence_on_commit(using):
    """Register one sequencing per transaction (not one per event)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        changes_sequence(using=using)
        return
    registered = getattr(connection, "_changes_sequencer", None)
    if registered is not None and any(
        entry[1] is registered for entry in connection.run_on_commit
    ):
        return

    def sequence():
        changes_sequence(using=using)

    connection._changes_sequencer = sequence
    # Robust: the write has committed whatever happens here; events left
    # pending are sequenced by the next writer or reader of the feed.
    transaction.on_commit(sequence, using=using, robust=True)


def _collapsed(pending):
    """Drop an ``update`` next to another event of the same item in the same
    batch that leaves it public (publishing a claim also refreshes it, the
    refresh's signal coming first): the mirror reads the item once."""
    by_item = {}
    for position, change in enumerate(pending):
        by_item.setdefault((change.kind, change.object_id), []).append(position)
    redundant = set()
    for positions in by_item.values():
        for index, position in enumerate(positions):
            if pending[position].action != Action.UPDATE:
                continue
            before = pending[positions[index - 1]] if index else None
            after = (
                pending[positions[index + 1]] if index + 1 < len(positions) else None
            )
            if (before is not None and before.action not in REMOVALS) or (
                after is not None and after.action in (Action.CREATE, Action.PUBLISH)
            ):
                redundant.add(position)
    return [
        change for position, change in enumerate(pending) if position not in redundant
    ]


def changes_sequence(*, using=None):
    """Move committed pending events into the feed, in commit order.

    Run after each commit that recorded events, and by the feed before it
    reads (which also sweeps up the events of a process that died between a
    commit and its callback). Returns the number of events sequenced.
    """
    using = using or router.db_for_write(PendingChange)
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCE_LOCK_KEY])
        pending = list(PendingChange.objects.using(using).order_by("pk"))
        if not pending:
            return 0
        now = timezone.now()
        Change.objects.using(using).bulk_create(
            Change(
                kind=change.kind,
                object_id=change.object_id,
                slug=change.slug,
                action=change.action,
                time=now,
            )
            for change in _collapsed(pending)
        )
        PendingChange.objects.using(using).filter(
            pk__in=[change.pk for change in pending]
        ).delete()
        return len(pending)


def _implied_updates(events, using):
    """What else a change shows differently: a public claim and study list
    their public links (a study lists the claims it informs, with their
    statements), so a link that changes, appears or goes updates both, and a
    claim that changes updates the studies it cites."""
    link_ids = [pk for kind, pk, _, _ in events if kind == Kind.EVIDENCE]
    claim_ids = [
        pk
        for kind, pk, _, action in events
        if kind == Kind.CLAIM and action == Action.UPDATE
    ]
    implied = []
    if link_ids:
        rows = (
            Evidence.objects.using(using)
            .filter(pk__in=link_ids)
            .values_list(
                "claim_id", "claim__slug", "claim__status", "study_id", "study__status"
            )
            .order_by("pk")
        )
        for claim_id, slug, claim_status, study_id, study_status in rows:
            if claim_status == Status.PUBLISHED:
                implied.append((Kind.CLAIM, claim_id, slug, Action.UPDATE))
            if study_status == StudyStatus.PUBLISHED:
                implied.append((Kind.STUDY, study_id, "", Action.UPDATE))
    if claim_ids:
        studies = (
            Evidence.objects.using(using)
            .filter(claim_id__in=claim_ids)
            .published()
            .order_by("study_id")
            .values_list("study_id", flat=True)
            .distinct()
        )
        implied += [(Kind.STUDY, pk, "", Action.UPDATE) for pk in studies]
    # Once each, and not an item the events already list.
    listed = {(kind, pk) for kind, pk, _, _ in events}
    unique = {}
    for event in implied:
        if (event[0], event[1]) not in listed:
            unique.setdefault((event[0], event[1]), event)
    return list(unique.values())


# --- what is public -------------------------------------------------------


def _public_links(using, **lookups):
    return list(
        Evidence.objects.using(using)
        .filter(**lookups)
        .published()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _link_is_public(using, pk):
    return Evidence.objects.using(using).published().filter(pk=pk).exists()


def _status_before(model, instance, using):
    if instance._state.adding or instance.pk is None:
        return None
    return (
        model.objects.using(using)
        .filter(pk=instance.pk)
        .values_list("status", flat=True)
        .first()
    )


# --- claims and studies -----------------------------------------------------

PUBLISHED = {Claim: Status.PUBLISHED, Study: StudyStatus.PUBLISHED}
KIND = {Claim: Kind.CLAIM, Study: Kind.STUDY}
LINKS_OF = {Claim: "claim_id", Study: "study_id"}


@receiver(pre_save, sender=Claim, dispatch_uid="changes_claim_before")
@receiver(pre_save, sender=Study, dispatch_uid="changes_study_before")
def item_before_save(sender, instance, raw=False, using=None, **kwargs):
    if raw:
        return
    instance._change_status_before = _status_before(sender, instance, using)
    # A published item's public links: those a change of its status moves.
    instance._change_links_before = (
        _public_links(using, **{LINKS_OF[sender]: instance.pk})
        if instance._change_status_before == PUBLISHED[sender]
        else []
    )


@receiver(post_save, sender=Claim, dispatch_uid="changes_claim_saved")
@receiver(post_save, sender=Study, dispatch_uid="changes_study_saved")
def item_saved(sender, instance, created, raw=False, using=None, **kwargs):
    if raw or not hasattr(instance, "_change_status_before"):
        return
    published = PUBLISHED[sender]
    was_public = instance._change_status_before == published
    is_public = instance.status == published
    links_before = instance._change_links_before
    del instance._change_status_before, instance._change_links_before
    action = action_of(
        was_public=was_public,
        is_public=is_public,
        created=created,
        status=instance.status,
    )
    slug = getattr(instance, "slug", "")
    events = [(KIND[sender], instance.pk, slug, action)]
    if was_public != is_public:
        if is_public:
            moved = _public_links(using, **{LINKS_OF[sender]: instance.pk})
            link_action = Action.PUBLISH
        else:
            moved, link_action = links_before, Action.UNPUBLISH
        events += [(Kind.EVIDENCE, pk, "", link_action) for pk in moved]
    elif is_public and sender is Study:
        # Each public link shows its study's brief (title, year, design).
        events += [(Kind.EVIDENCE, pk, "", Action.UPDATE) for pk in links_before]
    changes_recorded(events, using=using)


@receiver(pre_delete, sender=Claim, dispatch_uid="changes_claim_before_delete")
@receiver(pre_delete, sender=Study, dispatch_uid="changes_study_before_delete")
def item_before_delete(sender, instance, using=None, **kwargs):
    instance._change_was_public = (
        _status_before(sender, instance, using) == PUBLISHED[sender]
    )


@receiver(post_delete, sender=Claim, dispatch_uid="changes_claim_deleted")
@receiver(post_delete, sender=Study, dispatch_uid="changes_study_deleted")
def item_deleted(sender, instance, using=None, **kwargs):
    if getattr(instance, "_change_was_public", False):
        slug = getattr(instance, "slug", "")
        changes_recorded(
            [(KIND[sender], instance.pk, slug, Action.DELETE)], using=using
        )


# --- evidence links ----------------------------------------------------------


@receiver(pre_save, sender=Evidence, dispatch_uid="changes_link_before")
def link_before_save(sender, instance, raw=False, using=None, **kwargs):
    if raw:
        return
    instance._change_was_public = (
        not instance._state.adding
        and instance.pk is not None
        and _link_is_public(using, instance.pk)
    )


@receiver(post_save, sender=Evidence, dispatch_uid="changes_link_saved")
def link_saved(sender, instance, created, raw=False, using=None, **kwargs):
    if raw or not hasattr(instance, "_change_was_public"):
        return
    was_public = instance._change_was_public
    del instance._change_was_public
    action = action_of(
        was_public=was_public,
        is_public=_link_is_public(using, instance.pk),
        created=created,
        status=instance.status,
    )
    changes_recorded([(Kind.EVIDENCE, instance.pk, "", action)], using=using)


@receiver(pre_delete, sender=Evidence, dispatch_uid="changes_link_before_delete")
def link_before_delete(sender, instance, using=None, **kwargs):
    instance._change_was_public = _link_is_public(using, instance.pk)


@receiver(post_delete, sender=Evidence, dispatch_uid="changes_link_deleted")
def link_deleted(sender, instance, using=None, **kwargs):
    if getattr(instance, "_change_was_public", False):
        # The row is gone: its claim and study (public, since it was) say so.
        changes_recorded(
            [
                (Kind.EVIDENCE, instance.pk, "", Action.DELETE),
                (Kind.CLAIM, instance.claim_id, instance.claim.slug, Action.UPDATE),
                (Kind.STUDY, instance.study_id, "", Action.UPDATE),
            ],
            using=using,
        )


# --- writes that skip save() -------------------------------------------------


@receiver(claim_refreshed, dispatch_uid="changes_claim_refreshed")
def claim_refresh_changed_it(sender, claim, **kwargs):
    if claim.status == Status.PUBLISHED:
        using = claim._state.db or router.db_for_write(Claim)
        # Its verdict and profile: nothing a study shows of it.
        changes_recorded(
            [(Kind.CLAIM, claim.pk, claim.slug, Action.UPDATE)],
            using=using,
            implied=False,
        )


@receiver(studies_updated_in_bulk, dispatch_uid="changes_studies_updated_in_bulk")
def studies_bulk_updated(sender, studies, using=None, **kwargs):
    using = using or router.db_for_write(Study)
    changes_recorded(
        [
            (Kind.STUDY, study.pk, "", Action.UPDATE)
            for study in studies
            if study.status == StudyStatus.PUBLISHED
        ],
        using=using,
    )
