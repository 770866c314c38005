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


def responses_of(schema, path, method):
    return schema["paths"][path][method]["responses"]


def test_operations_document_the_errors_they_can_answer_with(schema):
    assert {"400", "401", "403", "404", "413", "415", "429", "503"} <= set(
        responses_of(schema, "/api/v1/claims/", "post")
    )
    assert {"301", "404", "406"} <= set(
        responses_of(schema, "/api/v1/claims/{slug}/", "get")
    )
    assert {"412", "403", "400"} <= set(
        responses_of(schema, "/api/v1/evidence/{id}/", "delete")
    )
    # Anyone reads claims; only curators and editors read suggested revisions.
    assert "403" not in responses_of(schema, "/api/v1/claims/", "get")
    assert "403" in responses_of(schema, "/api/v1/revisions/", "get")
    assert "400" in responses_of(schema, "/api/v1/revisions/{id}/accept/", "post")


def test_error_responses_are_problem_details(schema):
    responses = schema["components"]["responses"]
    for name in ("NotFound", "BadRequest", "Conflict"):
        assert responses[name]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    problem = schema["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail", "code"]
    assert schema["components"]["schemas"]["ProblemError"]["required"] == [
        "field",
        "code",
        "detail",
    ]
    # Writes document the 409 of a duplicate.
    assert "409" in responses_of(schema, "/api/v1/studies/", "post")
    assert "409" in responses_of(schema, "/api/v1/evidence/", "post")
    assert "409" not in responses_of(schema, "/api/v1/evidence/", "get")
    assert responses["ServiceUnavailable"]["headers"]["Retry-After"]["required"]
    assert responses["MovedPermanently"]["headers"]["Location"]["required"]


def test_every_operation_documents_the_web_servers_uri_too_long_page(schema):
    # gunicorn answers an over-long request line itself, in HTML, before the
    # app runs; the fuzzer sends such addresses.
    operations = [
        operation
        for methods in schema["paths"].values()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert all("414" in operation["responses"] for operation in operations)
    too_long = schema["components"]["responses"]["URITooLong"]
    assert list(too_long["content"]) == ["text/html"]


def test_anonymous_reads_are_documented(schema):
    assert {} in schema["paths"]["/api/v1/claims/"]["get"]["security"]
    assert {} not in schema["paths"]["/api/v1/claims/"]["post"]["security"]
    assert {} not in schema["paths"]["/api/v1/revisions/"]["get"]["security"]


def test_csv_responses_are_documented_as_text(schema):
    content = responses_of(schema, "/api/v1/evidence/", "get")["200"]["content"]
    assert content["text/csv"]["schema"] == {"$ref": "#/components/schemas/CSV"}
    assert schema["components"]["schemas"]["CSV"]["type"] == "string"


def test_fields_that_may_be_empty_or_null_say_so(schema):
    schemas = schema["components"]["schemas"]
    brief = schemas["StudyBrief"]["properties"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in brief["dose"]["oneOf"]
    assert {"type": "string", "maxLength": 0} in brief["retraction_url"]["oneOf"]
    assert schemas["Evidence"]["properties"]["added_by"]["nullable"]
    assert schemas["Revision"]["properties"]["claim"]["nullable"]
    assert schemas["Revision"]["properties"]["reviewed_by"]["nullable"]
    reasons = schemas["EvidenceRequest"]["properties"]["indirectness_reasons"]
    assert reasons["type"] == "array"
    year = schemas["StudyRequest"]["properties"]["year"]
    assert year["minimum"] == 1900 and year["maximum"] >= 2026


def test_moderated_writes_document_revisions_and_conflicts(schema):
    for path in ("/api/v1/studies/{id}/", "/api/v1/evidence/{id}/"):
        patch = responses_of(schema, path, "patch")
        assert patch["202"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Revision"
        }
        assert "403" in patch
    accept = responses_of(schema, "/api/v1/revisions/{id}/accept/", "post")
    assert "409" in accept
    study = schema["components"]["schemas"]["Study"]["properties"]
    assert study["ever_published"]["readOnly"]
    assert "withdrawn" in str(schema["components"]["schemas"])


def test_the_schema_is_generated_by_one_thread_at_a_time(monkeypatch):
    import threading
    import time

    from django.test import Client
    from drf_spectacular.generators import SchemaGenerator

    generating, most_at_once = [], []
    original = SchemaGenerator.get_schema

    def watched(self, *args, **kwargs):
        generating.append(1)
        most_at_once.append(len(generating))
        time.sleep(0.05)
        try:
            return original(self, *args, **kwargs)
        finally:
            generating.pop()

    monkeypatch.setattr(SchemaGenerator, "get_schema", watched)
    statuses = []

    def fetch():
        statuses.append(Client().get("/api/v1/schema/?format=json").status_code)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert max(most_at_once) == 1


def test_claims_carry_the_verdict_and_the_strength_is_deprecated(schema):
    components = schema["components"]["schemas"]
    claim = components["Claim"]["properties"]
    assert claim["verdict"]["allOf"][0]["$ref"].endswith("/Verdict")
    verdict = components["Verdict"]
    assert set(verdict["properties"]) == {"direction", "certainty", "text"}
    assert components["VerdictDirectionEnum"]["enum"] == ["for", "against", "unclear"]
    assert components["EvidenceSummary"]["properties"]["strength"]["deprecated"] is True
