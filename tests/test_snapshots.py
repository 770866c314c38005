"""The API's OpenAPI schema and the site's URL patterns, pinned to committed files.

Moving code between modules must not change what the site serves: these tests
compare the schema (as the schema view serves it) and every URL pattern
(name and route, in resolution order) with tests/snapshots/. A change to the
API or the URLs that is meant regenerates them on purpose, in the same commit:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_snapshots.py

once on SQLite and once with DATABASE_URL set to PostgreSQL (the schema's
integer bounds differ by backend); the diff of tests/snapshots/ then shows
what changed.
"""

import json
import os
from pathlib import Path

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

SNAPSHOTS = Path(__file__).parent / "snapshots"
REGENERATE = (
    "UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_snapshots.py "
    "(on SQLite, and again with DATABASE_URL set to PostgreSQL)"
)


def _url_patterns(patterns, prefix="", namespace=""):
    """Yield ``name route`` for every pattern, nested includes flattened."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _url_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else "-"
            yield f"{name} {route}"


def _compare(filename, current):
    path = SNAPSHOTS / filename
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(current, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; create it with: {REGENERATE}"
    committed = path.read_text(encoding="utf-8")
    if current != committed:
        import difflib

        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    current.splitlines(keepends=True),
                    fromfile=f"{filename} (committed)",
                    tofile=f"{filename} (now)",
                )
            )[:80]
        )
        pytest.fail(
            f"{filename} differs from what the code produces now. If the change is "
            f"meant, regenerate it in the same commit with:\n    {REGENERATE}\n\n{diff}",
            pytrace=False,
        )


@pytest.mark.django_db
def test_openapi_schema_matches_snapshot(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    current = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    # Integer bounds come from the database backend (SQLite's are 64-bit,
    # PostgreSQL's integer columns 32-bit), so each backend has its snapshot.
    _compare(f"openapi.{connection.vendor}.json", current)


def test_url_patterns_match_snapshot():
    current = "\n".join(_url_patterns(get_resolver().url_patterns)) + "\n"
    _compare("urls.txt", current)
