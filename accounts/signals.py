from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import ApiToken, User


@receiver(post_save, sender=User)
def end_api_access_of_deactivated_users(sender, instance, raw=False, **kwargs):
    # Their sessions stop working by themselves (Django refuses inactive
    # users); their tokens are deleted so that reactivation starts afresh.
    if not raw and not instance.is_active:
        ApiToken.objects.filter(user=instance).delete()
