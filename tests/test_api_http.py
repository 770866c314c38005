"""The API as a third party's client meets it over HTTP: CORS, redirects that
keep writes, Location, rate-limit headers, compression, HEAD, the front door
and the schema's metadata."""

import gzip

import pytest
import requests
from django.test import override_settings

from tests.factories import ClaimFactory, CuratorFactory, StudyFactory

pytestmark = pytest.mark.django_db

OTHER_ORIGIN = "https://meta-research.example"


def test_any_origin_may_read_the_api_without_credentials(client):
    ClaimFactory()

    response = client.get("/api/v1/claims/", HTTP_ORIGIN=OTHER_ORIGIN)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    exposed = response["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "RateLimit-Remaining" in exposed


def test_a_preflight_allows_reads_only(client):
    response = client.options(
        "/api/v1/claims/",
        HTTP_ORIGIN=OTHER_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )

    assert response.status_code == 200
    allowed = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}


def test_reader_pages_and_the_admin_send_no_cors_headers(client):
    for path in ("/", "/claims/", "/admin/login/"):
        response = client.get(path, HTTP_ORIGIN=OTHER_ORIGIN)
        assert "Access-Control-Allow-Origin" not in response, path


@pytest.mark.parametrize("debug", [False, True])
def test_a_write_without_the_trailing_slash_is_redirected_as_the_same_write(
    curator_api, debug
):
    with override_settings(DEBUG=debug):
        response = curator_api.post(
            "/api/v1/studies", {"title": "A pilot study"}, format="json"
        )

    assert response.status_code == 308
    assert response["Location"] == "/api/v1/studies/"


@pytest.mark.django_db(transaction=True)
def test_a_client_following_the_redirect_creates_the_study(live_server):
    from accounts.models import ApiToken

    _, key = ApiToken.issue(user=CuratorFactory(), name="tests")

    response = requests.post(
        f"{live_server.url}/api/v1/studies",
        json={"title": "Created through a redirect"},
        headers={"Authorization": f"Token {key}"},
        timeout=10,
    )

    assert response.status_code == 201, response.text
    assert [r.status_code for r in response.history] == [308]
    assert response.json()["title"] == "Created through a redirect"


def test_a_read_without_the_trailing_slash_still_gets_a_permanent_redirect(client):
    response = client.get("/api/v1/claims")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/claims/"


def test_created_resources_carry_their_api_address(curator_api):
    study = curator_api.post(
        "/api/v1/studies/",
        {"title": "A trial with a website", "url": "https://trial.example/"},
        format="json",
    )
    claim = curator_api.post(
        "/api/v1/claims/",
        {"statement": "Compound Z sharpens focus", "topic": "effect"},
        format="json",
    )

    assert study.status_code == claim.status_code == 201
    study_location = study["Location"]
    assert study_location.endswith(f"/api/v1/studies/{study.json()['id']}/")
    assert claim["Location"].endswith(f"/api/v1/claims/{claim.json()['slug']}/")
    assert curator_api.get(study_location).json()["title"] == "A trial with a website"

    link = curator_api.post(
        "/api/v1/evidence/",
        {
            "claim": claim.json()["slug"],
            "study": study.json()["id"],
            "evidence_type": "controlled",
            "direction": "supports",
            "finding": "Focus improved.",
        },
        format="json",
    )
    assert link.status_code == 201
    assert link["Location"].endswith(f"/api/v1/evidence/{link.json()['id']}/")


def test_every_answer_of_a_throttled_endpoint_says_how_much_is_left(api_client):
    first = api_client.get("/api/v1/claims/")
    second = api_client.get("/api/v1/studies/")

    assert first["RateLimit-Limit"] == "120"
    assert int(first["RateLimit-Remaining"]) == 119
    assert int(second["RateLimit-Remaining"]) == 118
    assert 1 <= int(second["RateLimit-Reset"]) <= 60


def test_the_headers_reach_zero_before_the_429(api_client, monkeypatch):
    from core.throttling import AnonRateThrottle

    monkeypatch.setattr(
        AnonRateThrottle,
        "THROTTLE_RATES",
        {**AnonRateThrottle.THROTTLE_RATES, "anon": "3/minute"},
    )

    remaining = [
        api_client.get("/api/v1/claims/")["RateLimit-Remaining"] for _ in range(3)
    ]
    refused = api_client.get("/api/v1/claims/")

    assert remaining == ["2", "1", "0"]
    assert refused.status_code == 429
    assert refused["RateLimit-Remaining"] == "0"
    assert "Retry-After" in refused


def test_the_token_endpoint_reports_its_own_stricter_limit(api_client):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "nobody", "password": "x"}, format="json"
    )

    assert response["RateLimit-Limit"] == "10"
    assert response["RateLimit-Remaining"] == "9"


def test_lists_and_csv_are_compressed_for_clients_that_accept_it(client):
    StudyFactory.create_batch(30)

    listed = client.get("/api/v1/studies/", HTTP_ACCEPT_ENCODING="gzip")
    exported = client.get("/api/v1/studies/?format=csv", HTTP_ACCEPT_ENCODING="gzip")

    assert listed["Content-Encoding"] == "gzip"
    assert gzip.decompress(listed.content).startswith(b'{"count":30')
    assert exported["Content-Encoding"] == "gzip"
    csv_text = gzip.decompress(b"".join(exported.streaming_content)).decode()
    assert csv_text.count("\n") == 31


def test_answers_that_carry_secrets_are_never_compressed(client):
    CuratorFactory(username="meta")

    token = client.post(
        "/api/v1/auth/token/",
        {"username": "meta", "password": "correct horse battery staple"},
        content_type="application/json",
        HTTP_ACCEPT_ENCODING="gzip",
    )
    page = client.get("/claims/", HTTP_ACCEPT_ENCODING="gzip")

    assert token.status_code == 200
    assert "Content-Encoding" not in token
    assert "Content-Encoding" not in page


def test_head_on_a_list_carries_the_etag_of_the_get(client):
    ClaimFactory.create_batch(2)

    get = client.get("/api/v1/claims/")
    head = client.head("/api/v1/claims/")
    revalidated = client.head("/api/v1/claims/", HTTP_IF_NONE_MATCH=get["ETag"])

    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert head.content == b""
    assert revalidated.status_code == 304


def test_the_api_root_links_every_list_the_schema_and_the_docs(client):
    root = client.get("/api/v1/").json()

    for name in ("claims", "studies", "evidence", "schema", "docs", "auth/token"):
        assert name in root, name
    assert root["schema"].endswith("/api/v1/schema/")
    assert client.get(root["docs"]).status_code == 200


def test_the_schema_names_its_server_licence_and_contact(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    assert schema["servers"] == [{"url": "/", "description": "This Evidence Atlas"}]
    assert schema["info"]["license"]["name"] == "CC BY 4.0"
    assert schema["info"]["license"]["url"].startswith("https://creativecommons.org/")
    assert schema["info"]["contact"]["name"]


@pytest.mark.parametrize(
    ("path", "typo"),
    [
        ("/api/v1/evidence/", "evidence_typ=controlled"),
        ("/api/v1/evidence/", "q=amygdala"),
        ("/api/v1/studies/", "year=2021"),
        ("/api/v1/claims/", "utm_source=newsletter"),
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it_and_the_accepted_ones(
    client, path, typo
):
    StudyFactory()
    name = typo.split("=")[0]

    response = client.get(f"{path}?{typo}")

    assert response.status_code == 400
    message = response.json()[name][0]
    assert f"Unknown parameter “{name}”" in message
    assert "page_size" in message and "format" in message


def test_the_accepted_parameters_are_the_documented_ones(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/claims/", "/api/v1/studies/", "/api/v1/evidence/"):
        documented = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        message = client.get(f"{path}?nonsense=1").json()["nonsense"][0]
        accepted = set(message.split("accepts: ")[1].rstrip(".").split(", "))
        assert accepted == documented, path


def test_a_detail_accepts_only_format(client):
    study = StudyFactory()

    assert client.get(f"/api/v1/studies/{study.pk}/?format=json").status_code == 200
    assert client.get(f"/api/v1/studies/{study.pk}/?page=2").status_code == 400


def test_an_unknown_format_is_a_406_listing_the_formats(client):
    response = client.get("/api/v1/claims/?format=xml")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert "json" in response.json()["detail"] and "csv" in response.json()["detail"]


def test_format_csv_wins_over_the_accept_header(client):
    StudyFactory()

    response = client.get("/api/v1/studies/?format=csv", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_every_read_documents_the_400_for_an_unknown_parameter(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/studies/{id}/",
        "/api/v1/evidence/{id}/",
        "/api/v1/claims/{slug}/statement/",
        "/api/v1/claims/{slug}/versions/{number}/",
    ):
        assert "400" in schema["paths"][path]["get"]["responses"], path
