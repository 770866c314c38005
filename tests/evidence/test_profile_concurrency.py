"""Stored evidence profiles stay right when many writers add links at once."""

import threading

import pytest
from django.db import connection, connections

from evidence.models import Claim, Evidence
from evidence.profile import evidence_profile
from tests.factories import ClaimFactory, StudyFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL (SQLite serialises them)",
    ),
]


def test_links_added_concurrently_to_one_claim_are_all_counted():
    claim = ClaimFactory()
    studies = StudyFactory.create_batch(24)
    start = threading.Barrier(6)
    errors = []

    def writer(batch):
        try:
            start.wait()
            for index, study in enumerate(batch):
                Evidence.objects.create(
                    claim=claim,
                    study=study,
                    evidence_type=("controlled", "self_report", "anecdotal")[index % 3],
                    direction=("supports", "contradicts")[index % 2],
                    finding="Added by one of several concurrent writers.",
                    status="published",
                )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(studies[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    claim = Claim.objects.get(pk=claim.pk)
    expected = evidence_profile(
        Evidence.objects.filter(claim=claim).counted().profile_counts()
    )
    assert claim.evidence_count == expected.total == 24
    assert claim.profile_counts == expected.counts
    assert claim.strength_score == expected.score
