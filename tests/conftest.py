from pathlib import Path
from urllib.parse import unquote

import httpx2
import pytest

from .factories import CuratorFactory, EditorFactory, UserFactory


@pytest.fixture
def curator(db):
    return CuratorFactory(username="curator")


@pytest.fixture
def editor(db):
    return EditorFactory(username="editor")


@pytest.fixture
def reader(db):
    """A signed-up user in neither curation group."""
    return UserFactory(username="reader")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def editor_client(editor):
    # A client of its own, so that a test can act as a curator and an editor.
    from django.test import Client

    client = Client()
    client.force_login(editor)
    return client


def pytest_configure(config):
    from django.conf import settings

    # Production uses the hashed manifest built by collectstatic; tests serve
    # straight from the source folders instead of requiring a build step.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.WHITENOISE_USE_FINDERS = True
    # The test client and the live server speak plain HTTP; production
    # redirects to HTTPS (tested with check --deploy).
    settings.SECURE_SSL_REDIRECT = False
    # Test users need no slow password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_AUTOREFRESH = True
    # A read replica alias that mirrors the test database, for the router
    # tests (tests/test_db_router.py), which switch the router on.
    settings.DATABASES.setdefault(
        "replica",
        {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}},
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached reads must not leak between tests."""
    from dataversion import caching

    caching.reset()
    yield
    caching.reset()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def token_client_for(user):
    from rest_framework.test import APIClient

    from accounts.models import ApiToken

    _, key = ApiToken.issue(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def curator_api(curator):
    return token_client_for(curator)


@pytest.fixture
def editor_api(editor):
    return token_client_for(editor)


@pytest.fixture
def reader_api(reader):
    return token_client_for(reader)


class FakeCrossref:
    """Answers the HTTP requests habanero makes, from recorded Crossref responses.

    habanero 2.9 sends its requests with httpx2, which respx and pytest-httpx
    do not intercept; this stands in for httpx2's transport instead, so that
    habanero's own request and error handling run as they do for real.
    """

    FIXTURES = Path(__file__).parent / "studies" / "fixtures"

    def __init__(self):
        self.requests = []
        self.answers = {}

    def record(self, doi):
        """Answer for ``doi`` with its recorded response (fixtures/crossref-<doi>.json)."""
        name = "crossref-" + doi.replace("/", "-") + ".json"
        self.answers[doi.lower()] = (200, (self.FIXTURES / name).read_bytes())

    def fail(self, doi, error):
        """Answer for ``doi`` with an HTTP status, or raise an httpx2 error class."""
        self.answers[doi.lower()] = error

    def handle_request(self, request):
        self.requests.append(request)
        doi = unquote(request.url.path.removeprefix("/works/")).lower()
        answer = self.answers.get(doi, 404)
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("recorded failure", request=request)
        if answer == 404:
            return httpx2.Response(
                404, text="Resource not found.", headers={"Content-Type": "text/plain"}
            )
        if isinstance(answer, int):
            return httpx2.Response(
                answer, text="Internal error", headers={"Content-Type": "text/plain"}
            )
        status, body = answer
        return httpx2.Response(
            status,
            content=body,
            headers={"Content-Type": "application/json;charset=utf-8"},
        )


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """These machines have no internet: an unexpected request fails at once."""

    def refuse(transport, request):
        raise httpx2.ConnectError(
            "network access is disabled in tests", request=request
        )

    monkeypatch.setattr(httpx2.HTTPTransport, "handle_request", refuse)


@pytest.fixture
def crossref(monkeypatch):
    fake = FakeCrossref()
    monkeypatch.setattr(
        httpx2.HTTPTransport,
        "handle_request",
        lambda transport, request: fake.handle_request(request),
    )
    return fake
