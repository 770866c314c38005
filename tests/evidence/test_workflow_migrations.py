"""The data migrations of studies' review: today's studies stay public, and
whatever was ever published is marked so (never to be deleted).

The migrations' functions run against rows shaped as they were before them;
see tests/evidence/test_migrations.py for why the schema is not migrated back.
"""

from importlib import import_module

import pytest
from django.apps import apps

from evidence.models import Claim, ClaimVersion, Evidence
from studies.models import Study
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db

studies_migration = import_module("studies.migrations.0005_study_review_workflow")
evidence_migration = import_module(
    "evidence.migrations.0005_ever_published_and_study_revisions"
)


def test_existing_studies_are_published_and_published_work_is_marked():
    study = StudyFactory(title="An old study")
    published = ClaimFactory(status="published")
    once = ClaimFactory(status="draft")
    draft = ClaimFactory(status="draft")
    ClaimVersion.objects.create(
        claim=once,
        number=1,
        statement=once.statement,
        topic="effect",
        status="published",
        certainty="low",
        certainty_computed="low",
    )
    link = EvidenceFactory(claim=published, study=study)
    new = EvidenceFactory(claim=draft, study=study, status="draft")
    Evidence.objects.filter(pk=link.pk).update(status="retracted")
    # As before the migrations: no study status, nothing marked.
    Study.objects.update(status="draft", ever_published=False)
    Claim.objects.update(ever_published=False)
    Evidence.objects.update(ever_published=False)
    Claim.history.all().delete()
    Evidence.history.all().delete()

    studies_migration.publish_existing_studies(apps, None)
    evidence_migration.mark_ever_published(apps, None)

    stored = Study.objects.get(pk=study.pk)
    assert (stored.status, stored.ever_published) == ("published", True)
    assert set(Claim.objects.filter(ever_published=True)) == {published, once}
    assert Evidence.objects.get(pk=link.pk).ever_published
    assert not Evidence.objects.get(pk=new.pk).ever_published
