"""The data migration of verdicts: GRADE domains left empty become "not
assessed", and each stored strength score gets its band.

The migration's functions run against rows shaped as they were before it
(written with QuerySet.update, which skips validation). Migrating the schema
backwards instead would have to undo the other apps' migrations of this round
too, which SQLite cannot do across merged branches.
"""

from importlib import import_module

import pytest
from django.apps import apps

from evidence.models import Claim, Evidence
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

migration = import_module("evidence.migrations.0005_verdict_and_domains_not_assessed")


def test_empty_domains_become_not_assessed_and_rated_ones_stay():
    link = EvidenceFactory(claim=ClaimFactory(), risk_of_bias="serious")
    Evidence.objects.filter(pk=link.pk).update(
        imprecision="", indirectness="", publication_bias="", inconsistency=""
    )
    Claim.objects.filter(pk=link.claim_id).update(
        strength_score=67, evidence_count=4, strength=""
    )

    migration.domains_not_assessed(apps, None)
    migration.strength_bands_stored(apps, None)

    link.refresh_from_db()
    assert link.risk_of_bias == "serious"
    assert (link.imprecision, link.indirectness, link.publication_bias) == (
        "not_assessed",
        "not_assessed",
        "not_assessed",
    )
    assert Claim.objects.get(pk=link.claim_id).strength == "strong"
