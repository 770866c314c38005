"""The benchmark's baseline (bench/baseline.py) answers the app's JSON.

The baseline is the honest limit the app's throughput is reported against:
the same fields, filters and pages from one plain query and orjson. These
tests hold its bodies equal to the app's for the URLs the benchmark requests,
so that a field added to the API and not to the baseline fails here rather
than flattering the ratio.
"""

import datetime
import io
from urllib.parse import urlsplit

import orjson
import pytest
from django.db import connection

from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the baseline is plain SQL for PostgreSQL (psycopg2), as benchmarked",
    ),
]

# Effects of every kind: arm data for each measure and reported estimates.
EFFECTS = [
    {},
    {
        "effect_measure": "md",
        "outcome": "HAM-D",
        "timepoint": "6 weeks",
        "mean_treatment": -12.0,
        "sd_treatment": 6.5,
        "n_treatment": 30,
        "mean_control": -5.5,
        "sd_control": 7.0,
        "n_control": 28,
    },
    {
        "effect_measure": "smd",
        "comparator": "placebo",
        "mean_treatment": 10.0,
        "sd_treatment": 2.0,
        "n_treatment": 12,
        "mean_control": 8.5,
        "sd_control": 2.5,
        "n_control": 11,
    },
    {
        "effect_measure": "log_rr",
        "events_treatment": 9,
        "n_treatment": 20,
        "events_control": 3,
        "n_control": 21,
    },
    {
        "effect_measure": "log_or",
        "events_treatment": 0,
        "n_treatment": 15,
        "events_control": 4,
        "n_control": 15,
    },
    {
        "effect_measure": "smd",
        "reported_estimate": -0.41,
        "reported_ci_low": -0.8,
        "reported_ci_high": -0.02,
    },
    {
        "effect_measure": "log_rr",
        "reported_estimate": 0.3,
        "reported_ci_low": 0.1,
        "reported_ci_high": 0.5,
        "n_treatment": 40,
        "n_control": 41,
    },
]
DESIGNS = ["rct", "controlled", "open_label", "survey", "case_report"]
TYPES = ["controlled", "controlled", "self_report", "anecdotal"]


@pytest.fixture
def atlas():
    """About 130 public links over five claims, besides some the public
    does not see."""
    named = UserFactory(first_name="Ada", last_name="Lovelace")
    unnamed = UserFactory(username="anon-curator", first_name="", last_name="")
    claims = [
        ClaimFactory(topic=topic)
        for topic in ("effect", "mechanism", "risk", "effect", "risk")
    ]
    studies = [
        StudyFactory(
            design=DESIGNS[n % len(DESIGNS)],
            year=None if n % 11 == 0 else 2000 + n % 25,
            authors=[] if n % 7 == 0 else ["Doe J", "Roe R", "Poe P", "Moe M"][: n % 5],
            authors_et_al=n % 3 == 0,
            journal="" if n % 6 == 0 else "Journal of Examples.",
            doi="" if n % 4 == 0 else f"10.5555/example.{n}",
            pmid=str(100000 + n) if n % 8 == 0 else "",
            url=f"https://example.org/{n}" if n % 4 == 0 else "",
            population=["clinical", "healthy", ""][n % 3],
            dose=["micro", "macro", ""][n % 3],
            sample_size=None if n % 5 == 0 else 20 + n,
        )
        for n in range(30)
    ]
    retracted = studies[5]
    retracted.retracted = True
    retracted.retraction_date = datetime.date(2024, 3, 1)
    retracted.retraction_url = "https://example.org/notice"
    retracted.save()
    users = [named, unnamed, None]
    n = 0
    for claim in claims[:4]:
        for study in studies:
            EvidenceFactory(
                claim=claim,
                study=study,
                evidence_type=TYPES[n % len(TYPES)],
                direction=["supports", "contradicts", "mixed"][n % 3],
                quote="" if n % 2 else "A quotation.\u2028Next line “quoted”",
                added_by=users[n % 3],
                indirectness_reasons=["surrogate_outcome"] if n % 9 == 0 else [],
                large_effect=n % 10 == 0,
                **EFFECTS[n % len(EFFECTS)],
            )
            n += 1
    # Not public: a draft claim's link, a draft link, a withdrawn study's link.
    draft_claim = ClaimFactory(status="draft")
    EvidenceFactory(claim=draft_claim, study=studies[0])
    EvidenceFactory(claim=claims[4], study=studies[1], status="draft")
    withdrawn = StudyFactory(status="withdrawn", design="rct")
    EvidenceFactory(claim=claims[4], study=withdrawn)
    return claims


@pytest.fixture
def baseline(monkeypatch):
    """The baseline's WSGI app reading through the test's own connection."""
    from bench import baseline

    connection.ensure_connection()
    monkeypatch.setattr(baseline, "_connection", connection.connection)
    monkeypatch.setattr(baseline, "_counts", {})

    def get(url):
        parts = urlsplit(url)
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "HTTP_HOST": "testserver",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
        }
        answer = {}

        def start_response(status, headers):
            answer["status"] = status

        body = b"".join(baseline.application(environ, start_response))
        assert answer["status"] == "200 OK", (url, body)
        return body

    return get


def differences(actual, expected, path=""):
    """Where two parsed bodies differ, as ``path: actual != expected`` lines."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        found = []
        for key in sorted(set(actual) | set(expected)):
            if key not in actual or key not in expected:
                found.append(
                    f"{path}.{key}: only in {'app' if key in expected else 'baseline'}"
                )
            else:
                found += differences(actual[key], expected[key], f"{path}.{key}")
        return found
    if isinstance(actual, list) and isinstance(expected, list):
        if len(actual) != len(expected):
            return [f"{path}: {len(actual)} items != {len(expected)}"]
        return [
            line
            for index, pair in enumerate(zip(actual, expected, strict=True))
            for line in differences(*pair, f"{path}[{index}]")
        ]
    return [] if actual == expected else [f"{path}: {actual!r} != {expected!r}"]


def assert_same(api_client, baseline, url):
    response = api_client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, (url, response.content)
    expected = response.content
    actual = baseline(url)
    assert not differences(orjson.loads(actual), orjson.loads(expected))[:10], url
    assert actual == expected, url  # byte for byte, as the benchmark compares


EVIDENCE_URLS = [
    "/api/v1/evidence/",
    "/api/v1/evidence/?page=2",
    "/api/v1/evidence/?page_size=100",
    "/api/v1/evidence/?page_size=100&page=2",
    "/api/v1/evidence/?evidence_type=controlled&page=3",
    "/api/v1/evidence/?evidence_type=controlled&page=3&page_size=20",
    "/api/v1/evidence/?page_size=20&evidence_type=controlled&page=2",
    "/api/v1/evidence/?evidence_type=controlled&page_size=100",
    "/api/v1/evidence/?evidence_type=anecdotal&design=rct",
    "/api/v1/evidence/?design=rct&design=survey&page=2",
    "/api/v1/evidence/?evidence_type=self_report&evidence_type=anecdotal&page_size=7&page=3",
    "/api/v1/evidence/?design=in_vitro",  # nothing matches
    "/api/v1/evidence/?page_size=500",  # capped at 100
]


def test_the_baseline_answers_the_evidence_list_as_the_app(api_client, baseline, atlas):
    # One test for all URLs: the data takes seconds to create.
    for url in EVIDENCE_URLS:
        assert_same(api_client, baseline, url)
    for size in (20, 100, 7):
        count = api_client.get(f"/api/v1/evidence/?page_size={size}").json()["count"]
        assert count == 120
        last = -(-count // size)
        assert_same(
            api_client, baseline, f"/api/v1/evidence/?page_size={size}&page={last}"
        )
    # The compared items hold every kind of field.
    items = api_client.get("/api/v1/evidence/?page_size=100").json()["results"]
    assert {item["effect"]["measure"] for item in items if item["effect"]} == {
        "md",
        "smd",
        "log_rr",
        "log_or",
    }
    assert {item["added_by"] for item in items} == {
        "Ada Lovelace",
        "Evidence Atlas curator",
        None,
    }
    assert any(item["study_brief"]["retracted"] for item in items)
    assert {"self", "claim", "study"} == set(items[0]["links"])


CLAIM_URLS = [
    "/api/v1/claims/",
    "/api/v1/claims/?page_size=100",
    "/api/v1/claims/?page_size=2",
    "/api/v1/claims/?page_size=2&page=2",
    "/api/v1/claims/?page_size=2&page=3",  # the last page
    "/api/v1/claims/?ordering=-strength",
    "/api/v1/claims/?ordering=-strength&page_size=2&page=2",
    "/api/v1/claims/?ordering=statement&page_size=3",
    "/api/v1/claims/?topic=effect",
    "/api/v1/claims/?topic=risk&page_size=1&page=1",
    "/api/v1/claims/?topic=risk&topic=mechanism&ordering=-evidence_count",
]
STUDY_URLS = [
    "/api/v1/studies/",
    "/api/v1/studies/?page=2",  # the last page
    "/api/v1/studies/?page_size=100",
    "/api/v1/studies/?design=rct",
    "/api/v1/studies/?design=rct&design=survey&page_size=5&page=2",
    "/api/v1/studies/?design=in_vitro",
]


def test_the_baseline_answers_the_claims_and_studies_lists_as_the_app(
    api_client, baseline, atlas
):
    claims = api_client.get("/api/v1/claims/").json()["results"]
    assert len(claims) == 5
    assert any(claim["meta_analyses"] for claim in claims)
    assert any(claim["evidence_summary"]["strength"]["contested"] for claim in claims)
    for url in [*CLAIM_URLS, *STUDY_URLS]:
        assert_same(api_client, baseline, url)
