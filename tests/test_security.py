"""Production settings, health, outages, request limits, logs and escaping."""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import override_settings

from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path, **extra):
    # The browser tests allow async-unsafe calls in this process; production must not.
    excluded = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {key: value for key, value in os.environ.items() if key not in excluded}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="atlas.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    env.update(extra)
    return env


def test_check_deploy_reports_nothing_in_production(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_app_refuses_to_start_without_a_secret_key_in_production(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_security_headers_on_pages_and_api(client):
    for url in ("/", "/api/v1/claims/", "/admin/login/"):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp
            and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        )
        assert "frame-ancestors 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_and_csrf_cookies_are_secure_and_http_only(settings):
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SECURE_HSTS_SECONDS >= 31_536_000


def test_healthz_reports_app_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "databases": {"default": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails as it does when the database server is unreachable."""
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError(
            "connection to server at 127.0.0.1, port 5432 failed: Connection refused"
        )

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)


def test_healthz_is_503_without_the_error_text_when_the_database_is_down(
    client, database_down, caplog
):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "databases": {"default": "unavailable"},
    }
    assert "Connection refused" not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()
    assert "Connection refused" in caplog.text


def test_pages_and_api_answer_503_not_a_traceback_while_the_database_is_down(
    client, database_down
):
    page = client.get("/claims/")
    assert page.status_code == 503
    assert "briefly unavailable" in page.content.decode()
    assert int(page["Retry-After"]) > 0
    api = client.get("/api/v1/claims/")
    assert api.status_code == 503
    assert api.json()["database"] == "unavailable"


def test_the_site_recovers_when_the_database_returns(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    original = CursorWrapper.execute

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    assert client.get("/claims/").status_code == 503
    monkeypatch.setattr(CursorWrapper, "execute", original)
    assert client.get("/claims/").status_code == 200


class DeadlockDetected(Exception):
    """Stands in for psycopg2's error, which carries PostgreSQL's SQLSTATE."""

    pgcode = "40P01"


def test_a_write_that_loses_a_deadlock_answers_503_and_saves_nothing(
    editor_api, monkeypatch
):
    from studies.models import Study

    study = StudyFactory(title="As it was")

    def collide(*args, **kwargs):
        raise OperationalError("deadlock detected") from DeadlockDetected()

    monkeypatch.setattr(Study, "save", collide)
    response = editor_api.patch(
        f"/api/v1/studies/{study.pk}/", {"title": "Changed"}, format="json"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    body = response.json()
    assert body["database"] == "busy" and "Send it again" in body["detail"]
    study.refresh_from_db()
    assert study.title == "As it was"


def test_a_page_that_meets_a_locked_database_asks_to_send_again(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(CursorWrapper, "execute", locked)
    page = client.get("/claims/")
    assert page.status_code == 503
    assert "was not saved" in page.content.decode()
    assert page["Retry-After"] == "1"


@override_settings(MAX_REQUEST_BYTES=1000)
def test_oversize_bodies_are_refused_with_413_before_parsing(curator_api):
    big = json.dumps({"statement": "x" * 5000, "topic": "effect"})
    response = curator_api.post(
        "/api/v1/claims/", data=big, content_type="application/json"
    )
    assert response.status_code == 413
    assert "limit is 1,000" in response.json()["detail"]


def test_a_malformed_content_length_is_a_400(client):
    response = client.post(
        "/api/v1/claims/",
        data="{}",
        content_type="application/json",
        CONTENT_LENGTH="lots",
    )
    assert response.status_code == 400


def test_one_json_log_line_per_request_without_secrets(client, caplog, settings):
    from core.logging import JSONFormatter

    logger = logging.getLogger("evidence_atlas.requests")
    logger.setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger="evidence_atlas.requests"):
        client.get(
            "/api/v1/claims/?token=supersecret&q=mood",
            HTTP_AUTHORIZATION="Token abcdef123456",
        )
    records = [
        record for record in caplog.records if record.name == "evidence_atlas.requests"
    ]
    assert len(records) == 1
    line = JSONFormatter().format(records[0])
    entry = json.loads(line)
    assert (entry["method"], entry["path"], entry["status"]) == (
        "GET",
        "/api/v1/claims/",
        401,
    )
    assert entry["duration_ms"] >= 0 and "user_id" in entry
    assert entry["query"] == {"token": "[redacted]", "q": ["mood"]}
    assert "supersecret" not in line and "abcdef123456" not in line


SCRIPT = '<script>alert("xss")</script>'


def test_user_written_text_is_escaped_on_every_page(client):
    study = StudyFactory(
        title=f"Study {SCRIPT}",
        journal=SCRIPT,
        abstract=SCRIPT,
        authors=[SCRIPT],
        design_detail=SCRIPT,
    )
    claim = ClaimFactory(statement=f"Claim {SCRIPT}", description=SCRIPT)
    link = EvidenceFactory(claim=claim, study=study, finding=SCRIPT, quote=SCRIPT)
    claim.certainty_override, claim.certainty_override_reason = "low", SCRIPT
    claim.save()
    for url in (
        "/",
        "/claims/",
        claim.get_absolute_url(),
        f"/claims/{claim.slug}/v/1/",
        "/studies/",
        study.get_absolute_url(),
        f"/claims/?q={SCRIPT}",
        f"/studies/?q={SCRIPT}",
        f"/claims/{claim.slug}/?year_min={SCRIPT}",
    ):
        page = client.get(url).content.decode()
        assert SCRIPT not in page, url
        assert not re.search(r"<script>alert", page), url
    assert link.pk


def test_user_written_text_is_escaped_in_the_admin(editor_client):
    claim = ClaimFactory(statement=f"Claim {SCRIPT}")
    # A study title is stored without its markup (studies.text), so it keeps a word.
    link = EvidenceFactory(claim=claim, finding=SCRIPT, study__title=f"Study {SCRIPT}")
    for url in (
        "/admin/evidence/claim/",
        f"/admin/evidence/claim/{claim.pk}/change/",
        f"/admin/evidence/claim/{claim.pk}/history/",
        "/admin/evidence/evidence/",
        f"/admin/evidence/evidence/{link.pk}/change/",
        f"/admin/studies/study/{link.study_id}/change/",
    ):
        assert SCRIPT not in editor_client.get(url).content.decode(), url


def test_the_api_returns_text_as_data_with_a_json_content_type(api_client):
    claim = ClaimFactory(statement=f"Claim {SCRIPT}")
    response = api_client.get(f"/api/v1/claims/{claim.slug}/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["statement"] == f"Claim {SCRIPT}"


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_burst_is_throttled_with_429_never_a_500(live_server, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "rate", "10/minute", raising=False)
    ClaimFactory()

    def call(_):
        response = requests.get(f"{live_server.url}/api/v1/claims/", timeout=20)
        return response.status_code, response.headers.get("Retry-After")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(40)))
    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 429}, statuses
    assert statuses.count(200) <= 10 and statuses.count(429) >= 30
    assert all(int(retry) > 0 for status, retry in results if status == 429)
