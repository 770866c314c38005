"""Token expiry and revocation on a password change, password rules and
session lifetimes (issue 16)."""

import datetime
import time

import pytest
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SIGNED_IN_AT
from accounts.models import ApiToken, User
from tests.factories import CuratorFactory, EditorFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
CLAIMS = "/api/v1/claims/"


def obtain(api_client, username="ana"):
    response = api_client.post(
        TOKEN_URL, {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def use(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client.get(TOKENS_URL)


# --- Tokens ---------------------------------------------------------------------


def test_every_token_is_revoked_when_the_password_changes(api_client):
    user = CuratorFactory(username="ana")
    first, second = obtain(api_client)["token"], obtain(api_client)["token"]
    assert use(api_client, first).status_code == 200
    user.set_password("a new and long pass phrase")
    user.save()
    assert use(api_client, first).status_code == 401
    assert use(api_client, second).status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_password_change_in_the_admin_revokes_the_tokens(api_client, client):
    user = CuratorFactory(username="ana")
    key = obtain(api_client)["token"]
    client.force_login(
        User.objects.create_superuser("root", "root@example.org", "x" * 20)
    )
    new = "another long pass phrase 7"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert use(api_client, key).status_code == 401


def test_other_saves_of_the_user_keep_the_tokens(api_client):
    user = CuratorFactory(username="ana")
    key = obtain(api_client)["token"]
    user.first_name = "Ana"
    user.save()
    assert use(api_client, key).status_code == 200


def test_every_token_expires_after_the_configured_days(api_client, settings):
    settings.API_TOKEN_DAYS = 30
    CuratorFactory(username="ana")
    issued = obtain(api_client)
    expires = datetime.datetime.fromisoformat(issued["expires"])
    expected = timezone.now() + datetime.timedelta(days=30)
    assert abs((expires - expected).total_seconds()) < 60
    listed = use(api_client, issued["token"]).json()
    assert [token["expires"] for token in listed] == [issued["expires"]]
    created = api_client.post(TOKENS_URL, {"name": "notebook"}, format="json")
    assert created.status_code == 201 and created.json()["expires"]


def test_an_expired_token_is_a_401_saying_it_expired(api_client):
    CuratorFactory(username="ana")
    key = obtain(api_client)["token"]
    ApiToken.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    response = use(api_client, key)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"].lower()
    assert response["WWW-Authenticate"] == "Token"


def test_the_token_page_shows_each_token_s_expiry(client):
    user = CuratorFactory(username="ana")
    token, _ = ApiToken.issue(user=user, name="notebook")
    client.force_login(user)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert "Expires" in page and token.expires.strftime("%-d %b %Y") in page


def test_only_a_superuser_may_clear_a_token_s_expiry(client):
    token, key = ApiToken.issue(user=CuratorFactory(username="ana"), name="notebook")
    url = reverse("admin:accounts_apitoken_change", args=[token.pk])
    staff = EditorFactory(username="staff")
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_apitoken", "change_apitoken"])
    )
    client.force_login(staff)
    listing = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert "Expires" in listing.content.decode()
    staff_page = client.get(url)
    assert staff_page.status_code == 200
    assert 'name="expires_0"' not in staff_page.content.decode()

    client.force_login(
        User.objects.create_superuser("root", "root@example.org", "x" * 20)
    )
    assert 'name="expires_0"' in client.get(url).content.decode()
    response = client.post(url, {"expires_0": "", "expires_1": ""})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.expires is None and not token.expired


# --- Passwords -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("curator1", "Curator1curator1"),
        ("curator1", "my curator1 pass phrase"),
        ("ana", "Tr0ub4dor&3x"[:11]),  # 11 characters
        ("ana", "password1234"),  # common
    ],
)
def test_weak_passwords_are_refused(username, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=User(username=username))


def test_a_long_unrelated_password_is_accepted():
    validate_password("violet kettle harbour", user=User(username="curator1"))


# --- Sessions --------------------------------------------------------------------


def test_sessions_end_after_the_idle_time_and_are_renewed_by_use(client, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_SAVE_EVERY_REQUEST
    user = UserFactory(username="ana")
    client.force_login(user)
    assert client.get(reverse("accounts:tokens")).status_code == 200
    session = Session.objects.get()
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert 8 * 3600 - 60 < remaining <= 8 * 3600
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(reverse("accounts:tokens")).status_code == 302


def test_sessions_end_after_the_absolute_lifetime_however_active(client, settings):
    assert settings.SESSION_MAX_HOURS == 12
    EditorFactory(username="ana")
    signed_in = client.post(
        reverse("accounts:login"), {"username": "ana", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert time.time() - client.session[SIGNED_IN_AT] < 60
    assert client.get(reverse("accounts:tokens")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 11 * 3600
    session.save()
    assert client.get(reverse("accounts:tokens")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 13 * 3600
    session.save()
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302 and "login" in response["Location"]
