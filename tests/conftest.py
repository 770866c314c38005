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
def editor_client(client, editor):
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
