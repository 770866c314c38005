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
    settings.WHITENOISE_AUTOREFRESH = True
    # A read replica alias that mirrors the test database, for the router
    # tests (tests/test_db_router.py), which switch the router on.
    settings.DATABASES.setdefault(
        "replica",
        {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}},
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached profiles must not leak between tests."""
    from django.core.cache import cache

    from config import data_version, pagination

    def clear():
        cache.clear()
        pagination._local_counts.clear()
        data_version._local.__dict__.clear()

    clear()
    yield
    clear()


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
