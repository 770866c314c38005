"""The holes of the second security review (issue 16), each as the attack
that found it: forged client addresses, deep JSON, oversize bodies, bad
admin ids, static headers and the compose file's secrets."""

import json
import re
from pathlib import Path

import pytest
import yaml
from django.test import RequestFactory
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from tests.factories import CuratorFactory, EvidenceFactory
from tests.utils import field_errors

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = "/api/v1/claims/"
TOKEN = "/api/v1/auth/token/"


# --- Client address: NUM_PROXIES ---------------------------------------------


def test_a_forged_x_forwarded_for_does_not_reset_the_api_throttle(
    api_client, monkeypatch
):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    statuses = [
        api_client.get(CLAIMS, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}").status_code
        for number in range(1, 6)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_a_forged_x_forwarded_for_gets_no_more_password_tries(api_client, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "token", "2/minute")
    CuratorFactory(username="ana")
    statuses = [
        api_client.post(
            TOKEN,
            {"username": "ana", "password": f"guess {number}"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        ).status_code
        for number in range(1, 5)
    ]
    assert statuses == [400, 400, 429, 429]


def test_behind_one_trusted_proxy_the_address_it_saw_is_the_client(
    api_client, monkeypatch, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)

    def get(address):
        # The client forges the left part; the proxy appends what it saw.
        return api_client.get(
            CLAIMS, HTTP_X_FORWARDED_FOR=f"10.6.6.6, {address}"
        ).status_code

    assert [get("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert get("203.0.113.2") == 200


def test_lockouts_count_the_same_client_as_the_throttles(api_client, settings):
    from accounts.lockout import client_ip

    settings.AXES_FAILURE_LIMIT = 3
    CuratorFactory(username="ana")
    for number in range(3):
        api_client.post(
            TOKEN,
            {"username": "ana", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )
    locked = api_client.post(
        TOKEN,
        {"username": "ana", "password": "correct horse battery staple"},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert locked.status_code == 429
    assert settings.AXES_CLIENT_IP_CALLABLE == "accounts.lockout.client_ip"

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert client_ip(request) == "127.0.0.1"


# --- Request bodies ------------------------------------------------------------


def nested(depth):
    return "[" * depth + "]" * depth


def test_deeply_nested_json_is_a_400_not_a_server_error(api_client):
    body = '{"username": ' + nested(3000) + ', "password": "x"}'
    response = api_client.post(TOKEN, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 32" in response.json()["detail"]


def test_json_nested_beyond_32_levels_is_refused_and_32_accepted(curator_api):
    def post(depth):
        body = json.dumps({"statement": "x", "topic": "effect"})[:-1]
        body += f', "extra": {nested(depth - 1)}}}'
        return curator_api.post(CLAIMS, data=body, content_type="application/json")

    assert post(33).status_code == 400
    assert "nested" in post(33).json()["detail"]
    assert post(32).status_code == 201


def test_a_body_under_the_documented_limit_is_parsed_not_refused(curator_api, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.MAX_REQUEST_BYTES
    # Over Django's default 2.5 MB, under the documented 10 MB.
    body = json.dumps({"statement": "x" * 3_000_000, "topic": "effect"})
    response = curator_api.post(CLAIMS, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "statement" in field_errors(response)


def test_a_body_over_django_s_own_limit_gets_a_json_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api_client.post(
        TOKEN,
        data=json.dumps({"username": "x" * 200, "password": "y"}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


def test_the_documented_body_limit_is_the_configured_one(settings):
    limit_mb = settings.MAX_REQUEST_BYTES // (1024 * 1024)
    for document in ("README.md", "SECURITY.md"):
        text = (ROOT / document).read_text()
        stated = {int(value) for value in re.findall(r"bodies over (\d+) MB", text)}
        assert stated <= {limit_mb}, (document, stated)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/evidence/claim/{claim}/history/abc/",
        "/admin/evidence/claim/abc/history/1/",
        "/admin/evidence/claim/abc/history/",
        "/admin/evidence/evidence/{evidence}/history/1e3/",
        "/admin/studies/study/{study}/history/abc/",
        "/admin/studies/study/abc/history/",
    ],
)
def test_admin_history_addresses_with_bad_ids_are_404(editor_client, path):
    link = EvidenceFactory()
    url = path.format(claim=link.claim.pk, evidence=link.pk, study=link.study.pk)
    assert editor_client.get(url).status_code == 404


# --- Headers and deployment ------------------------------------------------------


def test_static_files_carry_the_security_headers_of_pages(client):
    page = client.get("/")
    static = client.get("/static/css/atlas.css")
    assert static.status_code == 200
    for header in (
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Content-Security-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert static.get(header) == page.get(header), header
    assert static["X-Frame-Options"] == "DENY"


def test_the_compose_file_has_no_default_database_password():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "${POSTGRES_PASSWORD:-" not in compose
    assert "${POSTGRES_PASSWORD:?" in compose


def test_every_compose_profile_serves_through_the_buffering_proxy(settings):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    proxy = services["proxy"]
    assert "profiles" not in proxy  # started in every profile
    assert proxy["configs"][0]["target"] == "/etc/nginx/nginx.conf"
    assert compose["configs"]["nginx"]["file"] == "./deploy/nginx.conf"
    for name in ("web", "web-replica"):
        assert "ports" not in services[name], f"{name} is reachable around nginx"
    assert services["web"]["environment"]["NUM_PROXIES"] == "${NUM_PROXIES:-1}"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    limit_mb = settings.MAX_REQUEST_BYTES // (1024 * 1024)
    assert f"client_max_body_size {limit_mb}m;" in nginx
    assert "client_header_timeout 10s;" in nginx
    assert "proxy_request_buffering on;" in nginx


def test_gunicorn_runs_threads_with_a_timeout():
    config = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)
    assert config["worker_class"] == "gthread"
    assert config["workers"] * config["threads"] >= 8
    assert config["timeout"] <= 30


def test_the_scaled_profile_reads_from_a_streaming_standby():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    replica = services["db-replica"]
    assert replica["profiles"] == ["scaled"]
    standby = (ROOT / "deploy" / "postgres-standby.sh").read_text()
    assert "pg_basebackup" in standby and " -R " in standby
    assert "hot_standby=on" in standby
    assert "wal_level=replica" in services["db"]["command"]
    web_replica = services["web-replica"]
    assert "db-replica" in web_replica["depends_on"]
    assert "@db-replica:5432/" in web_replica["environment"]["DATABASE_REPLICA_URL"]
    # Every other setting is the web service's own.
    assert (
        web_replica["environment"]["REDIS_URL"]
        == (services["web"]["environment"]["REDIS_URL"])
    )
