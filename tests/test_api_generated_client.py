"""A Python client generated from the OpenAPI schema works against the live API.

openapi-python-client (a dev dependency, run offline on the schema file)
builds typed models from the schema; parsing real answers with them fails on
any field the schema describes wrongly (a type, a null, a missing property)
and, with ``raise_on_unexpected_status``, on any status it does not list. So
this test proves the schema tells the truth, as a third-party client sees it.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from accounts.models import ApiToken
from tests.factories import ClaimFactory, CuratorFactory, EvidenceFactory

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture
def generated_client(live_server, tmp_path, monkeypatch):
    """The client package generated from the live server's schema."""
    schema = tmp_path / "schema.json"
    response = requests.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    schema.write_bytes(response.content)
    config = tmp_path / "config.yml"
    # No formatter run on the generated code: nothing but the schema is used.
    config.write_text("post_hooks: []\n")
    subprocess.run(
        [
            GENERATOR,
            "generate",
            "--path",
            schema,
            "--output-path",
            tmp_path / "atlas_client",
            "--meta",
            "none",
            "--config",
            config,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("atlas_client")
    for name in [name for name in sys.modules if name.startswith("atlas_client")]:
        del sys.modules[name]


def test_a_generated_client_reads_filters_writes_and_gets_a_409(
    live_server, generated_client
):
    client_module = generated_client
    api = importlib.import_module("atlas_client.api.claims.claims_list")
    claim_detail = importlib.import_module("atlas_client.api.claims.claims_retrieve")
    evidence_list = importlib.import_module("atlas_client.api.evidence.evidence_list")
    studies_create = importlib.import_module("atlas_client.api.studies.studies_create")
    evidence_create = importlib.import_module(
        "atlas_client.api.evidence.evidence_create"
    )
    models = importlib.import_module("atlas_client.models")

    claim = ClaimFactory(statement="Compound G improves sleep")
    controlled = EvidenceFactory(claim=claim, evidence_type="controlled")
    EvidenceFactory(claim=claim, evidence_type="anecdotal")
    _, key = ApiToken.issue(user=CuratorFactory(), name="generated client")

    anonymous = client_module.Client(
        base_url=live_server.url, raise_on_unexpected_status=True
    )
    curator = client_module.AuthenticatedClient(
        base_url=live_server.url,
        token=key,
        prefix="Token",
        raise_on_unexpected_status=True,
    )

    claims = api.sync(client=anonymous)
    assert [item.slug for item in claims.results] == [claim.slug]
    assert claims.results[0].id == claim.pk

    detail = claim_detail.sync(client=anonymous, slug=str(claim.pk))
    assert detail.slug == claim.slug
    assert {link.id for link in detail.evidence} == set(
        claim.evidence.values_list("pk", flat=True)
    )

    filtered = evidence_list.sync(
        client=anonymous,
        evidence_type=[models.EvidenceListEvidenceTypeItem.CONTROLLED],
    )
    assert [link.id for link in filtered.results] == [controlled.pk]
    assert filtered.results[0].study_brief.id == controlled.study_id

    created = studies_create.sync_detailed(
        client=curator,
        body=models.StudyRequest(title="A sleep trial", doi="10.1000/sleep.1"),
    )
    assert created.status_code == 201
    assert created.parsed.doi == "10.1000/sleep.1"
    assert created.headers["Location"].endswith(f"/api/v1/studies/{created.parsed.id}/")

    duplicate = studies_create.sync_detailed(
        client=curator,
        body=models.StudyRequest(title="The same trial", doi="10.1000/SLEEP.1"),
    )
    assert duplicate.status_code == 409
    problem = duplicate.parsed
    assert isinstance(problem, models.Problem)
    assert problem.code == "duplicate"
    assert [(error.field, error.code) for error in problem.errors] == [
        ("doi", "duplicate")
    ]
    assert problem.errors[0].existing.endswith(f"/studies/{created.parsed.id}/")

    again = evidence_create.sync_detailed(
        client=curator,
        body=models.EvidenceRequest(
            claim=claim.slug,
            study=controlled.study_id,
            evidence_type=models.EvidenceEvidenceTypeEnum.CONTROLLED,
            direction=models.DirectionEnum.SUPPORTS,
            finding="The same study again.",
        ),
    )
    assert again.status_code == 409
    assert again.parsed.code == "duplicate"
    assert again.parsed.errors[0].existing.endswith(f"/evidence/{controlled.pk}/")
