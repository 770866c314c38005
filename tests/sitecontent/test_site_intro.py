"""The home page's subject line, intro and topic order are site data."""

import re

import pytest

from evidence.admin.site_intro import SiteIntroForm
from sitecontent.models import DEFAULT_SUBJECT, SiteIntro
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def headings(response):
    return re.findall(r'<h2 id="topic-\w+">(\w+)</h2>', response.content.decode())


def test_home_shows_the_subject_and_intro_editors_set(client):
    SiteIntro.objects.create(
        subject="Compound Q: what the studies say",
        intro="Does compound Q help? This site grades the studies.",
    )
    page = client.get("/").content.decode()
    assert '<h1 id="intro-heading">Compound Q: what the studies say</h1>' in page
    assert "Does compound Q help? This site grades the studies." in page
    assert "<title>Compound Q: what the studies say · Evidence Atlas</title>" in page


def test_home_without_a_site_intro_says_what_the_site_does(client):
    page = client.get("/").content.decode()
    assert DEFAULT_SUBJECT in page


def test_topics_follow_the_order_editors_set_and_the_rest_keep_theirs(client):
    for topic in ("mechanism", "effect", "risk"):
        ClaimFactory(topic=topic)
    SiteIntro.objects.create(subject="S", intro="I", topic_order="effect, risk")
    assert headings(client.get("/")) == ["Effects", "Risks", "Mechanisms"]


def test_an_unknown_topic_in_the_order_is_a_clear_validation_error():
    form = SiteIntroForm(
        data={"subject": "S", "intro": "I", "topic_order": "effect, efects"}
    )
    assert not form.is_valid()
    assert form.errors["topic_order"][0].startswith("Unknown topic: efects.")


def test_there_is_only_ever_one_site_intro():
    SiteIntro.objects.create(subject="First", intro="I")
    SiteIntro(subject="Second", intro="I").save()
    assert list(SiteIntro.objects.values_list("subject", flat=True)) == ["Second"]


def test_the_admin_list_opens_the_one_site_intro(admin_client):
    intro = SiteIntro.objects.create(subject="S", intro="I")
    response = admin_client.get("/admin/sitecontent/siteintro/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/siteintro/{intro.pk}/change/")


def test_curators_relate_claims_in_the_claim_admin(admin_client):
    claim, other = ClaimFactory(), ClaimFactory()
    page = admin_client.get(f"/admin/evidence/claim/{claim.pk}/change/")
    assert page.status_code == 200
    assert 'name="related_claims"' in page.content.decode()
    claim.related_claims.add(other)
    assert list(other.related_claims.all()) == [claim]  # symmetric


def test_within_a_topic_the_most_studied_claims_come_first(client):
    from tests.factories import EvidenceFactory

    few = ClaimFactory(statement="A claim with one study", topic="effect")
    many = ClaimFactory(statement="B claim with three studies", topic="effect")
    EvidenceFactory(claim=few)
    EvidenceFactory.create_batch(3, claim=many)
    page = client.get("/").content.decode()
    assert page.index(many.statement) < page.index(few.statement)
