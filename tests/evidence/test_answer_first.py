"""Claim pages answer first: the verdict, the best evidence, related claims;
every link that changes the evidence shown lands on it."""

import datetime
import re

import pytest

from evidence.answer import finding_line
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def best_titles(response):
    # Given to the template to call, only when its cached panel is rendered.
    return [link.study.title for link in response.context["best_evidence"]()]


def test_best_evidence_puts_trials_first_whatever_their_direction(client):
    claim = ClaimFactory()
    anecdote = EvidenceFactory(
        claim=claim,
        evidence_type="anecdotal",
        study=StudyFactory(title="Anecdote", design="testimonial", sample_size=None),
    )
    survey = EvidenceFactory(
        claim=claim,
        evidence_type="self_report",
        study=StudyFactory(title="Survey", design="survey", sample_size=9000),
    )
    open_label = EvidenceFactory(
        claim=claim, study=StudyFactory(title="Open label", design="open_label")
    )
    trials = [
        EvidenceFactory(
            claim=claim,
            direction="contradicts",
            study=StudyFactory(title=f"Trial {n}", sample_size=size),
        )
        for n, size in ((1, 50), (2, 200))
    ]
    response = client.get(claim.get_absolute_url())
    assert best_titles(response) == [
        trials[1].study.title,
        trials[0].study.title,
        open_label.study.title,
        survey.study.title,
        anecdote.study.title,
    ]
    page = text(response)
    # The answer comes before the full list, grouped by direction.
    assert page.index("Best evidence") < page.index('id="evidence-heading"')
    assert page.index("verdict-text") < page.index("Best evidence")


def test_best_evidence_leaves_out_links_that_do_not_count(client):
    claim = ClaimFactory()
    EvidenceFactory(
        claim=claim,
        study=StudyFactory(
            title="Retracted", retracted=True, retraction_date=datetime.date(2024, 5, 1)
        ),
    )
    EvidenceFactory(claim=claim, status="draft", study=StudyFactory(title="Draft"))
    kept = EvidenceFactory(claim=claim)
    assert best_titles(client.get(claim.get_absolute_url())) == [kept.study.title]


def test_a_finding_shows_its_first_sentence_in_one_line():
    assert finding_line("Mood improved. Anxiety did not.") == "Mood improved."
    long = "word " * 60
    line = finding_line(long)
    assert len(line) <= 161 and line.endswith("…")


def test_related_claims_show_on_both_pages_when_published(client):
    claim, other = ClaimFactory(), ClaimFactory()
    draft = ClaimFactory(status="draft")
    claim.related_claims.add(other, draft)
    page = text(client.get(claim.get_absolute_url()))
    assert "Related claims" in page
    assert f'href="{other.get_absolute_url()}"' in page
    assert draft.statement not in page
    back = text(client.get(other.get_absolute_url()))
    assert f'href="{claim.get_absolute_url()}"' in back


def test_links_that_change_the_evidence_land_on_it(client):
    claim = ClaimFactory()
    EvidenceFactory.create_batch(3, claim=claim)
    EvidenceFactory(claim=claim, direction="contradicts")
    url = claim.get_absolute_url()
    response = client.get(url, {"direction": "supports"})
    page = response.content.decode()
    assert 'id="evidence"' in page
    assert f'action="{url}#evidence"' in page
    assert 'autocomplete="off"' in page
    shortcuts = response.context["shortcuts"]
    assert shortcuts and all(s["url"].endswith("#evidence") for s in shortcuts)
    chart_links = re.findall(r'<td><a href="(\?[^"]+)"', page)
    assert chart_links and all(link.endswith("#evidence") for link in chart_links)
    chips = re.findall(r'class="chip" href="([^"]+)"', page)
    assert chips and all(chip.endswith("#evidence") for chip in chips)


def test_pages_of_a_group_land_on_the_group(client, monkeypatch):
    from evidence.views import ClaimDetailView

    monkeypatch.setattr(ClaimDetailView, "evidence_per_page", 2)
    claim = ClaimFactory()
    EvidenceFactory.create_batch(3, claim=claim)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert 'href="?supports_page=2#group-supports"' in page


def test_filter_errors_appear_at_the_top_of_the_form(client):
    claim = ClaimFactory()
    response = client.get(claim.get_absolute_url(), {"year_min": "abc"})
    assert response.status_code == 400
    page = text(response)
    form = page[page.index('<form class="filters"') :]
    assert form.index('role="alert"') < form.index('name="evidence_type"')
    assert "data-keep-open" in page


def test_unknown_parameters_are_ignored_by_pages(client):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim)
    plain = client.get(claim.get_absolute_url())
    tracked = client.get(claim.get_absolute_url(), {"utm_source": "newsletter"})
    assert tracked.status_code == 200
    # Unfiltered, the page gives the count for its cached fragment to call.
    assert tracked.context["match_count"] == plain.context["match_count"]() == 1
    assert not tracked.context["filtered"]
    listing = client.get("/claims/", {"utm_source": "newsletter", "fbclid": "x"})
    assert listing.status_code == 200
    assert client.get("/studies/", {"utm_campaign": "x"}).status_code == 200


def test_pages_do_not_offer_the_created_and_updated_sorts(client):
    claim = ClaimFactory()
    page = client.get(claim.get_absolute_url()).content.decode()
    assert '<option value="-year">Newest first</option>' in page
    for hidden in ("created", "-created", "updated", "-updated", "evidence_type"):
        assert f'value="{hidden}"' not in page
    assert 'value="-updated"' not in client.get("/claims/").content.decode()
    # Still honoured (and shown) when a URL asks for one.
    chosen = client.get(claim.get_absolute_url(), {"ordering": "-created"})
    assert chosen.status_code == 200
    assert 'value="-created" selected' in chosen.content.decode()


def test_claim_page_queries_stay_constant_with_more_links_and_relations(client):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim)
    claim.related_claims.add(ClaimFactory())

    def grow():
        EvidenceFactory.create_batch(4, claim=claim)
        claim.related_claims.add(*ClaimFactory.create_batch(3))

    assert_constant_queries(lambda: client.get(claim.get_absolute_url()), grow)


def test_a_missing_value_reads_the_same_on_evidence_rows_and_study_pages(client):
    study = StudyFactory(dose="", population="", year=None, sample_size=None)
    link = EvidenceFactory(study=study)
    row = text(client.get(link.claim.get_absolute_url()))
    detail = text(client.get(study.get_absolute_url()))
    for label in ("<dd>Not stated</dd>", "<dd>Undated</dd>", "<dd>Not reported</dd>"):
        assert label in row
        assert label in detail


def test_on_the_claims_list_links_land_on_the_errors_while_there_are_some(client):
    ClaimFactory()
    good = text(client.get("/claims/", {"topic": "effect"}))
    assert '<div class="results" id="results">' in good
    bad = text(client.get("/claims/", {"topic": "bogus"}))
    form = bad[bad.index('<form class="filters"') :]
    assert form.index('id="results"') < form.index('role="alert"')
    assert '<div class="results" id="results">' not in bad
