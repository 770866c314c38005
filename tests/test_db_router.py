"""Reads go to the replica; writes, and reads after a write or inside a
transaction, stay on the primary (core/db_router.py)."""

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from core.db_router import pin_to_primary, unpin
from evidence.models import Claim
from tests.factories import ClaimFactory

pytestmark = [
    pytest.mark.django_db(databases=["default", "replica"], transaction=True),
]
ROUTER = ["core.db_router.PrimaryReplicaRouter"]


@pytest.fixture(autouse=True)
def router(settings):
    settings.DATABASE_ROUTERS = ROUTER
    unpin()
    yield
    unpin()


def test_reads_go_to_the_replica_and_writes_to_the_primary():
    assert Claim.objects.all().db == "replica"
    claim = ClaimFactory()
    assert claim._state.db == "default"


def test_reads_after_a_write_stay_on_the_primary():
    ClaimFactory()
    assert Claim.objects.all().db == "default"
    unpin()
    assert Claim.objects.all().db == "replica"


def test_reads_inside_a_transaction_stay_on_the_primary():
    with transaction.atomic():
        assert Claim.objects.all().db == "default"
    assert Claim.objects.all().db == "replica"


def test_pinning_is_explicit_too():
    pin_to_primary()
    assert Claim.objects.all().db == "default"


def test_a_get_reads_from_the_replica_and_a_post_from_the_primary(
    api_client, curator_api
):
    claim = ClaimFactory()
    unpin()
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        assert api_client.get(f"/api/v1/claims/{claim.slug}/").status_code == 200
    assert len(replica) > 0
    assert len(primary) == 0

    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        response = curator_api.post(
            "/api/v1/claims/", {"statement": "Routed claims land", "topic": "effect"}
        )
    assert response.status_code == 201, response.content
    assert len(replica) == 0
    assert len(primary) > 0
