import time

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from .middleware import SIGNED_IN_AT
from .models import ApiToken, User


@receiver(post_save, sender=User)
def end_api_access_of_deactivated_users(sender, instance, raw=False, **kwargs):
    # Their sessions stop working by themselves (Django refuses inactive
    # users); their tokens are deleted so that reactivation starts afresh.
    if not raw and not instance.is_active:
        ApiToken.objects.filter(user=instance).delete()


@receiver(user_logged_in)
def note_the_sign_in_time(sender, request, user, **kwargs):
    # The start of the session's absolute lifetime (SessionLifetimeMiddleware).
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()
