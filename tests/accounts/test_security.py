"""Brute force lockout, token pages, user deactivation."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from tests.factories import CuratorFactory, EditorFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_token_endpoint_locks_out_after_repeated_failures(api_client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    CuratorFactory(username="ana")
    for _ in range(3):
        response = api_client.post(
            "/api/v1/auth/token/",
            {"username": "ana", "password": "wrong"},
            format="json",
        )
    assert response.status_code == 429
    locked = api_client.post(
        "/api/v1/auth/token/", {"username": "ana", "password": PASSWORD}, format="json"
    )
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.json()["detail"]
    assert int(locked["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_admin_login_locks_out_and_editors_see_the_record(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    CuratorFactory(username="ana")
    url = reverse("admin:login")
    for _ in range(3):
        client.post(url, {"username": "ana", "password": "wrong"})
    locked = client.post(url, {"username": "ana", "password": PASSWORD})
    assert locked.status_code in (403, 429)
    assert "Too many failed sign-in attempts" in locked.content.decode()
    client.force_login(EditorFactory(username="ed"))
    attempts = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert attempts.status_code == 200
    assert "ana" in attempts.content.decode()


def test_a_user_manages_named_tokens_on_the_account_page(client):
    user = CuratorFactory(username="ana")
    client.force_login(user)
    page = client.post(reverse("accounts:tokens"), {"name": "notebook"})
    content = page.content.decode()
    assert "Copy it now" in content
    token = ApiToken.objects.get(user=user, name="notebook")
    assert f"{token.prefix}…" in content
    client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_the_token_page_needs_a_sign_in(client):
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_nobody_revokes_someone_elses_token(client):
    owner = CuratorFactory(username="owner")
    token, _ = ApiToken.issue(user=owner, name="theirs")
    client.force_login(CuratorFactory(username="intruder"))
    assert (
        client.post(reverse("accounts:token-revoke", args=[token.pk])).status_code
        == 404
    )
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_an_editor_deactivates_a_user_ending_sessions_and_tokens(client, editor_client):
    from tests.conftest import token_client_for

    curator = CuratorFactory(username="leaving")
    api = token_client_for(curator)
    assert api.get("/api/v1/claims/").status_code == 200
    client.force_login(curator)
    assert client.get(reverse("admin:index")).status_code == 200
    editor_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [curator.pk]},
    )
    curator.refresh_from_db()
    assert not curator.is_active
    assert api.get("/api/v1/claims/").status_code == 401
    assert not ApiToken.objects.filter(user=curator).exists()
    assert client.get(reverse("admin:index")).status_code == 302  # signed out


def test_curators_cannot_deactivate_users(curator_client):
    victim = CuratorFactory(username="victim")
    response = curator_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [victim.pk]},
    )
    assert response.status_code == 403
    victim.refresh_from_db()
    assert victim.is_active
