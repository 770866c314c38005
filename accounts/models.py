from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who signs in: a curator, an editor or an API client.

    A custom model from the first migration, so that fields can be added later
    without the painful swap of ``AUTH_USER_MODEL`` on a live database.
    """

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_full_name() or self.username
