"""A third party's journey over real HTTP, written only from the schema.

Everything the client does below it learns from ``/api/v1/schema/``: the
paths, the filter parameters and the token endpoint.
"""

import csv
import io

import pytest
import requests

from tests.factories import ClaimFactory, CuratorFactory, StudyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_client_lists_filters_pages_exports_and_writes_over_http(live_server):
    CuratorFactory(username="meta")
    claim = ClaimFactory(statement="Compound M improves memory")
    study = StudyFactory(title="A memory trial", design="rct", year=2022)
    base = live_server.url
    schema = requests.get(f"{base}/api/v1/schema/?format=json", timeout=10).json()

    evidence_path = "/api/v1/evidence/"
    parameters = {
        p["name"] for p in schema["paths"][evidence_path]["get"]["parameters"]
    }
    assert {"claim", "evidence_type", "page_size", "format"} <= parameters
    token_path = next(path for path in schema["paths"] if path.endswith("/auth/token/"))

    token = requests.post(
        base + token_path,
        json={"username": "meta", "password": "correct horse battery staple"},
        timeout=10,
    ).json()["token"]
    headers = {"Authorization": f"Token {token}"}

    created = requests.post(
        base + evidence_path,
        json={
            "claim": claim.slug,
            "study": study.pk,
            "evidence_type": "controlled",
            "direction": "supports",
            "finding": "Recall improved versus placebo.",
        },
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    link_id = created.json()["id"]

    edited = requests.patch(
        f"{base}{evidence_path}{link_id}/",
        json={"direction": "mixed"},
        headers=headers,
        timeout=10,
    )
    assert edited.status_code == 200
    assert edited.json()["direction"] == "mixed"

    listed = requests.get(
        base + evidence_path,
        params={"claim": claim.slug, "evidence_type": "controlled", "page_size": 1},
        headers=headers,
        timeout=10,
    ).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == link_id

    bad = requests.get(
        base + evidence_path, params={"evidence_type": "bogus"}, timeout=10
    )
    assert bad.status_code == 400
    assert bad.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in bad.json()["errors"]] == ["evidence_type"]

    export = requests.get(
        base + evidence_path,
        params={"format": "csv", "claim": claim.slug},
        headers=headers,
        timeout=10,
    )
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [row["id"] for row in rows] == [str(link_id)]
