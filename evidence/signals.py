"""Keep each claim's stored evidence profile in step with its links.

Signals rather than calls in each view, because links change through the
admin inline, the API, imports and the shell alike.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Evidence
from .services import claim_profile_refresh


@receiver(post_save, sender=Evidence)
def refresh_profile_after_link_saved(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: the fixture carries the stored profile already
        return
    claim_profile_refresh(claim_id=instance.claim_id)
    previous = getattr(instance, "_loaded_claim_id", None)
    if previous and previous != instance.claim_id:
        claim_profile_refresh(claim_id=previous)
    instance._loaded_claim_id = instance.claim_id


@receiver(post_delete, sender=Evidence)
def refresh_profile_after_link_deleted(sender, instance, **kwargs):
    claim_profile_refresh(claim_id=instance.claim_id)
