import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

# Shown publicly for a curator who gave no name: a login name is never shown.
UNNAMED_CURATOR = "Evidence Atlas curator"


def public_name(first_name, last_name):
    """The name the public API shows for a user: the full name, else a
    neutral label (never the login name, which helps guess credentials)."""
    return f"{first_name} {last_name}".strip() or UNNAMED_CURATOR


class User(AbstractUser):
    """A person who signs in: a curator, an editor or an API client.

    A custom model from the first migration, so that fields can be added later
    without the painful swap of ``AUTH_USER_MODEL`` on a live database.
    """

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [
            (
                "deactivate_user",
                "Can deactivate users (ends their sessions and API tokens)",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def public_name(self):
        return public_name(self.first_name, self.last_name)

    def save(self, *args, **kwargs):
        # set_password() keeps the new raw password until the save: a changed
        # password revokes every API token (ASVS 3.3.3), as Django's session
        # hash already ends the other sessions.
        password_changed = self.pk is not None and self._password is not None
        super().save(*args, **kwargs)
        if password_changed:
            self.api_tokens.all().delete()


def token_expiry():
    """When a token issued now expires (``API_TOKEN_DAYS`` from now)."""
    return timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS)


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(user__is_active=True)


class ApiToken(models.Model):
    """A named API token. A user may hold several and revoke each on its own.

    Only a SHA-256 digest of the key is stored: a leaked database does not
    leak working tokens. The key itself is shown once, when it is created.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100,
        help_text="What this token is for, e.g. 'meta-analysis notebook'.",
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=8,
        editable=False,
        help_text="First characters of the key, to recognise it.",
    )
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    expires = models.DateTimeField(
        null=True,
        blank=True,
        default=token_expiry,
        help_text="The token stops working at this time. Empty: never (only a "
        "superuser can set that).",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def expired(self):
        return self.expires is not None and self.expires <= timezone.now()

    @staticmethod
    def digest_of(key):
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user, name):
        """Create a token for ``user``; returns ``(token, key)``. Keep the key: it is not stored."""
        key = secrets.token_hex(20)
        token = cls.objects.create(
            user=user, name=name, digest=cls.digest_of(key), prefix=key[:8]
        )
        return token, key
