"""The data migrations of studies' review: today's studies stay public, and
whatever was ever published is marked so (never to be deleted)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("studies", "0004_study_search_vector"),
    ("evidence", "0004_evidence_newest_first_indexes"),
]
AFTER = [
    ("studies", "0005_study_review_workflow"),
    ("evidence", "0005_ever_published_and_study_revisions"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_studies_are_published_and_published_work_is_marked():
    apps = migrate(BEFORE)
    Study = apps.get_model("studies", "Study")
    Claim = apps.get_model("evidence", "Claim")
    Evidence = apps.get_model("evidence", "Evidence")
    ClaimVersion = apps.get_model("evidence", "ClaimVersion")
    study = Study.objects.create(title="An old study", title_key="an old study")
    published = Claim.objects.create(
        slug="a", statement="A", topic="effect", status="published"
    )
    once = Claim.objects.create(slug="b", statement="B", topic="effect", status="draft")
    ClaimVersion.objects.create(
        claim=once,
        number=1,
        statement="B",
        topic="effect",
        status="published",
        certainty="low",
        certainty_computed="low",
    )
    draft = Claim.objects.create(
        slug="c", statement="C", topic="effect", status="draft"
    )
    link = Evidence.objects.create(
        claim=published,
        study=study,
        evidence_type="controlled",
        direction="supports",
        finding="F",
        status="retracted",
    )
    new = Evidence.objects.create(
        claim=draft,
        study=study,
        evidence_type="controlled",
        direction="supports",
        finding="F",
        status="draft",
    )

    apps = migrate(AFTER)
    Study = apps.get_model("studies", "Study")
    Claim = apps.get_model("evidence", "Claim")
    Evidence = apps.get_model("evidence", "Evidence")
    stored = Study.objects.get(pk=study.pk)
    assert (stored.status, stored.ever_published) == ("published", True)
    assert set(
        Claim.objects.filter(ever_published=True).values_list("slug", flat=True)
    ) == {"a", "b"}
    assert Evidence.objects.get(pk=link.pk).ever_published
    assert not Evidence.objects.get(pk=new.pk).ever_published
    migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
