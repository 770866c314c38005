"""API tokens: obtaining, listing and revoking them, and using them."""

import pytest

from accounts.models import ApiToken
from tests.factories import CuratorFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"


def test_username_and_password_give_a_working_token(api_client):
    CuratorFactory(username="ana")
    response = api_client.post(
        TOKEN_URL,
        {"username": "ana", "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 200
    key = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    created = api_client.post(
        "/api/v1/claims/",
        {"statement": "Claim via token", "topic": "effect"},
        format="json",
    )
    assert created.status_code == 201


def test_only_a_digest_of_the_key_is_stored(api_client):
    CuratorFactory(username="ana")
    key = api_client.post(
        TOKEN_URL,
        {"username": "ana", "password": "correct horse battery staple"},
        format="json",
    ).json()["token"]
    token = ApiToken.objects.get()
    assert key not in (token.digest, token.prefix)
    assert token.digest == ApiToken.digest_of(key)


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "ana", "password": "wrong"},
        {"username": "nobody", "password": "x"},
        {"username": "ana"},
    ],
)
def test_bad_credentials_are_a_400_with_a_message(api_client, payload):
    CuratorFactory(username="ana")
    response = api_client.post(TOKEN_URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()
    assert not ApiToken.objects.exists()


def test_an_invalid_token_is_a_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api_client.get("/api/v1/claims/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
    assert response.json()["code"] == "authentication_failed"


def test_a_user_lists_and_revokes_named_tokens(curator_api, curator):
    created = curator_api.post(TOKENS_URL, {"name": "notebook"}, format="json")
    assert created.status_code == 201
    listed = curator_api.get(TOKENS_URL).json()
    assert {token["name"] for token in listed} == {"tests", "notebook"}
    assert all("digest" not in token for token in listed)
    notebook = created.json()["id"]
    assert curator_api.delete(f"{TOKENS_URL}{notebook}/").status_code == 204
    assert not ApiToken.objects.filter(pk=notebook).exists()


def test_tokens_of_other_users_are_invisible(curator_api, editor):
    other, _ = ApiToken.issue(user=editor, name="editor's")
    assert curator_api.get(f"{TOKENS_URL}{other.pk}/").status_code == 404
    assert curator_api.delete(f"{TOKENS_URL}{other.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=other.pk).exists()


def test_tokens_of_a_deactivated_user_stop_working(curator_api, curator):
    curator.is_active = False
    curator.save()
    assert curator_api.get("/api/v1/claims/").status_code == 401
