"""The data migration of verdicts: GRADE domains left empty become "not assessed"."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def with_other_apps_at_their_latest(targets):
    """``targets`` for evidence, and every other app at its latest migration
    (rows of other apps are then created with all their current columns)."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return targets + [(app, name) for app, name in leaves if app != "evidence"]


BEFORE = [("evidence", "0004_evidence_newest_first_indexes")]
AFTER = [("evidence", "0005_verdict_and_domains_not_assessed")]


def test_empty_domains_become_not_assessed_and_rated_ones_stay():
    executor = MigrationExecutor(connection)
    before = with_other_apps_at_their_latest(BEFORE)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    claim = apps.get_model("evidence", "Claim").objects.create(
        slug="old-claim",
        statement="An old claim",
        topic="effect",
        status="published",
        strength_score=67,
        evidence_count=4,
    )
    study = apps.get_model("studies", "Study").objects.create(title="An old study")
    link = apps.get_model("evidence", "Evidence").objects.create(
        claim=claim,
        study=study,
        evidence_type="controlled",
        direction="supports",
        finding="It helped.",
        status="published",
        risk_of_bias="serious",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    link = apps.get_model("evidence", "Evidence").objects.get(pk=link.pk)
    assert link.risk_of_bias == "serious"
    assert (link.imprecision, link.indirectness, link.publication_bias) == (
        "not_assessed",
        "not_assessed",
        "not_assessed",
    )
    assert apps.get_model("evidence", "Claim").objects.get().strength == "strong"
    # Leave the database at the latest migrations for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
