"""Password rules beyond Django's own validators (AUTH_PASSWORD_VALIDATORS)."""

from django.core.exceptions import ValidationError


class UsernameInPasswordValidator:
    """Refuse a password that contains the username (``Curator1curator1``).

    Django's similarity check compares the whole password with the username,
    so a username repeated or padded to length still passes it.
    """

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError(
                "The password contains the username.",
                code="password_contains_username",
            )

    def get_help_text(self):
        return "Your password cannot contain your username."
