"""Keep each claim's stored profile, certainty and versions in step.

Signals rather than calls in each view, because claims, links and studies
change through the admin, the API, imports and the shell alike.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from studies.models import Study

from .models import Claim, Evidence
from .services import claim_refresh_requested


@receiver(post_save, sender=Evidence)
def refresh_after_link_saved(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: the fixture carries the stored state already
        return
    previous = getattr(instance, "_loaded_claim_id", None)
    # A link moved to another claim refreshes both, locking them in id order
    # as every writer that refreshes several claims does.
    for claim_id in sorted({instance.claim_id, previous or instance.claim_id}):
        claim_refresh_requested(claim_id=claim_id)
    instance._loaded_claim_id = instance.claim_id


@receiver(post_delete, sender=Evidence)
def refresh_after_link_deleted(sender, instance, **kwargs):
    claim_refresh_requested(claim_id=instance.claim_id)


@receiver(post_save, sender=Claim)
def refresh_after_claim_saved(sender, instance, raw=False, **kwargs):
    # A new statement, status or certainty override is a new public state.
    if not raw:
        claim_refresh_requested(claim_id=instance.pk)


@receiver(post_save, sender=Study)
def refresh_after_study_changed(sender, instance, raw=False, created=False, **kwargs):
    previous = getattr(instance, "_loaded_values", None)
    current = instance.tracked_values()
    instance._loaded_values = current
    if raw or created or previous == current:
        return
    # Locked in id order: two studies changed at once must not lock the
    # claims they share crosswise (a deadlock).
    claim_ids = (
        Evidence.objects.filter(study=instance)
        .order_by("claim_id")
        .values_list("claim_id", flat=True)
        .distinct()
    )
    for claim_id in claim_ids:
        claim_refresh_requested(claim_id=claim_id)
