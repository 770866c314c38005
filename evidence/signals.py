"""Keep each claim's stored evidence profile in step with its links.

Signals rather than calls in each view, because links change through the
admin inline, the API, imports and the shell alike.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from config.data_version import data_changed
from studies.models import Study

from .models import Claim, Evidence, Revision
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


@receiver(post_save, sender=Study)
def refresh_profiles_after_study_retraction(
    sender, instance, raw=False, created=False, **kwargs
):
    # Links to a retracted study stay visible (flagged) but stop counting.
    previous = getattr(instance, "_loaded_retracted", None)
    instance._loaded_retracted = instance.retracted
    if raw or created or previous == instance.retracted:
        return
    claim_ids = Evidence.objects.filter(study=instance).values_list(
        "claim_id", flat=True
    )
    for claim_id in claim_ids.distinct():
        claim_profile_refresh(claim_id=claim_id)


# Whatever a reader can see changed: cached counts and responses are stale
# (the user model too: links name who added them).
for model in (Claim, Evidence, Study, Revision, get_user_model()):
    post_save.connect(data_changed, sender=model, dispatch_uid=f"data-{model.__name__}")
    post_delete.connect(
        data_changed, sender=model, dispatch_uid=f"data-del-{model.__name__}"
    )
