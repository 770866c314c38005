"""Fresh everywhere: a write from another process is seen by a running server
within seconds, on the embedded default (SQLite, no Redis: each web process
caches in its own memory).

The server runs under gunicorn with two workers on a temporary SQLite file;
the writes come from ``manage.py import_citations`` and ``manage.py shell``,
as in a second terminal next to ``make run``.
"""

import time
from functools import partial

import pytest
import requests

from harness import NO_RATE_LIMITS, ROOT, Gunicorn, local_env, manage

FIXTURES = ROOT / "tests" / "studies" / "fixtures"
# Generous: the promise is one second; the machine may be busy.
SEEN_WITHIN_SECONDS = 10


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fresh")
    # DEBUG on, as `make run` has it, and no Redis: the embedded default.
    env = local_env(**NO_RATE_LIMITS, DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}")
    run = partial(manage, env, capture=True, timeout=300)
    run("migrate", "--noinput", "-v0")
    with Gunicorn(env, workers=2) as server:
        yield server.url, run


def seen_soon(check):
    """Poll ``check`` (several requests reach both workers) until true."""
    deadline = time.monotonic() + SEEN_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def warm(url, times=6):
    """Fill the caches of both workers with what the page says now."""
    for _ in range(times):
        assert requests.get(url, timeout=10).status_code == 200


def study_count(base):
    return requests.get(f"{base}/api/v1/studies/?page_size=1", timeout=10).json()[
        "count"
    ]


def test_an_import_from_another_process_is_seen_by_the_running_server(sqlite_app):
    base, manage = sqlite_app
    before = study_count(base)
    warm(f"{base}/api/v1/studies/?page_size=1")
    warm(f"{base}/studies/")
    manage("import_citations", str(FIXTURES / "zotero.bib"), "-v0")
    # Studies get an editor's publication in the study workflow: where they
    # have a status, publish them as a bulk action would (no signal sees a
    # QuerySet.update).
    manage(
        "shell",
        "-c",
        "from studies.models import Study\n"
        "if any(f.name == 'status' for f in Study._meta.fields):\n"
        "    Study.objects.update(status='published')",
    )
    assert seen_soon(lambda: study_count(base) > before)
    assert seen_soon(
        lambda: (
            "Trial of Psilocybin versus Escitalopram"
            in requests.get(f"{base}/studies/", timeout=10).text
        )
    )


def claims_seen(base, text):
    page = requests.get(f"{base}/claims/", timeout=10).text
    api = requests.get(f"{base}/api/v1/claims/", timeout=10).json()
    return text in page and any(claim["statement"] == text for claim in api["results"])


def test_a_claim_published_and_edited_from_the_shell_is_seen(sqlite_app):
    base, manage = sqlite_app
    warm(f"{base}/claims/")
    warm(f"{base}/api/v1/claims/")
    manage(
        "shell",
        "-c",
        "from evidence.models import Claim\n"
        "Claim.objects.create(statement='Fresh from the shell', topic='effect', "
        "status='draft')",
    )
    warm(f"{base}/claims/", times=2)
    assert not claims_seen(base, "Fresh from the shell")  # a draft: not public
    manage(
        "shell",
        "-c",
        "from evidence.models import Claim\n"
        "claim = Claim.objects.get(statement='Fresh from the shell')\n"
        "claim.status = 'published'\n"
        "claim.save()",
    )
    assert seen_soon(lambda: claims_seen(base, "Fresh from the shell"))
    manage(
        "shell",
        "-c",
        "from evidence.models import Claim\n"
        "claim = Claim.objects.get(statement='Fresh from the shell')\n"
        "claim.statement = 'Edited in the shell'\n"
        "claim.save()",
    )
    assert seen_soon(lambda: claims_seen(base, "Edited in the shell"))
    assert not claims_seen(base, "Fresh from the shell")
