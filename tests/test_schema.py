"""The OpenAPI schema tells the whole truth about the API."""

import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

CONTRACT = {
    "/api/v1/claims/": {
        "evidence_type",
        "direction",
        "design",
        "population",
        "dose",
        "topic",
        "q",
        "ordering",
        "page",
        "page_size",
        "format",
    },
    "/api/v1/studies/": {
        "design",
        "population",
        "dose",
        "year_min",
        "year_max",
        "doi",
        "pmid",
        "claim",
        "q",
        "ordering",
        "page",
        "page_size",
        "format",
    },
    "/api/v1/evidence/": {
        "claim",
        "study",
        "evidence_type",
        "direction",
        "design",
        "population",
        "dose",
        "year_min",
        "year_max",
        "ordering",
        "page",
        "page_size",
        "format",
    },
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_yaml_schema_is_served_too(api_client):
    response = api_client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "Evidence Atlas API"


@pytest.mark.parametrize("path", sorted(CONTRACT))
def test_every_filter_parameter_is_documented(schema, path):
    documented = {
        parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]
    }
    assert CONTRACT[path] <= documented


def test_choice_parameters_document_their_values(schema):
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/evidence/"]["get"]["parameters"]
    }
    assert set(parameters["evidence_type"]["schema"]["items"]["enum"]) == {
        "controlled",
        "self_report",
        "anecdotal",
    }
    assert parameters["evidence_type"]["explode"] is True


def test_every_endpoint_is_in_the_schema(schema):
    assert {
        "/api/v1/claims/",
        "/api/v1/claims/{slug}/",
        "/api/v1/studies/",
        "/api/v1/studies/{id}/",
        "/api/v1/evidence/",
        "/api/v1/evidence/{id}/",
        "/api/v1/auth/token/",
        "/api/v1/auth/tokens/",
    } <= set(schema["paths"])


def test_token_authentication_is_documented(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"


def test_docs_page_is_served_from_our_own_static_files(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    )
    assert "cdn" not in html.lower()
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
