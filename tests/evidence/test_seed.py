import pytest
from django.core.management import call_command

from evidence.models import Claim, Evidence, Status
from studies.models import Study

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed", stdout=open("/dev/null", "w"))


def snapshot():
    return {
        "claims": list(Claim.objects.order_by("pk").values()),
        "studies": list(Study.objects.order_by("pk").values()),
        "links": list(Evidence.objects.order_by("pk").values()),
        "history": (
            Claim.history.count(),
            Study.history.count(),
            Evidence.history.count(),
        ),
    }


def test_seed_loads_claims_studies_and_links(seeded):
    assert Claim.objects.published().count() >= 12
    assert Study.objects.count() >= 51
    assert Evidence.objects.published().count() >= 80


def test_seed_twice_changes_nothing(seeded, capsys):
    before = snapshot()
    call_command("seed")
    assert snapshot() == before
    out = capsys.readouterr().out
    assert "0 created, 0 updated" in out


def test_seed_claim_slugs_name_their_subject(seeded):
    slugs = list(Claim.objects.values_list("slug", flat=True))
    for subject in ("neuroplasticity", "default-mode-network", "amygdala", "5-ht2a"):
        assert any(subject in slug for slug in slugs), subject
    assert set(Claim.objects.values_list("topic", flat=True)) == {
        "mechanism",
        "effect",
        "risk",
    }


def test_every_study_of_the_shared_data_set_is_present(seeded):
    assert Study.objects.exclude(design="testimonial").count() == 51
    assert Study.objects.filter(doi="10.1056/nejmoa2032994", pmid="33852780").exists()


def test_contrary_evidence_is_linked_as_contradicting(seeded):
    def direction(study_title_start, claim_slug_part):
        return Evidence.objects.get(
            study__title__startswith=study_title_start,
            claim__slug__contains=claim_slug_part,
        ).direction

    assert direction("Increased amygdala responses", "amygdala") == "contradicts"
    assert (
        direction("Psilocybin for treatment-resistant depression: fMRI", "default-mode")
        == "contradicts"
    )
    assert (
        direction("Self-blinding citizen science", "microdosing-psilocybin-reduces")
        == "contradicts"
    )
    assert direction("Harnessing psilocybin", "5-ht2a") == "contradicts"
    assert direction("Harnessing psilocybin", "neuroplasticity") == "supports"


def test_uncited_report_is_anecdotal_not_controlled(seeded):
    report = Study.objects.get(title__contains="University of California")
    assert report.design == "testimonial"
    assert report.year is None
    assert set(report.evidence.values_list("evidence_type", flat=True)) == {"anecdotal"}


def test_seed_links_are_published_and_counted_in_profiles(seeded):
    assert not Evidence.objects.exclude(status=Status.PUBLISHED).exists()
    for claim in Claim.objects.all():
        assert claim.evidence_count == claim.evidence.count()
