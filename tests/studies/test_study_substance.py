"""The study page's substance (GRADE in words, effect, claims with their
verdicts, where to read the abstract) and its citation downloads, which the
project's own importers read back."""

import io

import pytest

from evidence.models import Status
from evidence.study_page import effect_sentence, judgements
from studies.citation_files import ris
from studies.citations import bibtex_entries
from studies.importers import CitationReader
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db

MANY_AUTHORS = [f"Author{n} AB" for n in range(1, 24)]


@pytest.fixture
def study():
    return StudyFactory(
        title="Psilocybin & the {brain}: 50% of a trial_1?",
        authors=["Ly C", "Søndergaard PØ", "World Health Organization"],
        year=2020,
        journal="Journal of Trials & Tests",
        volume="12",
        issue="3",
        pages="101–110",
        doi="10.5555/round.trip",
        pmid="31234567",
        abstract="",
        design_detail="rct-placebo;imaging",
        population_detail="mice;cells",
    )


def read_back(text, citation_format):
    citations = list(CitationReader(io.BytesIO(text.encode()), format=citation_format))
    return [citation.fields for citation in citations]


@pytest.mark.parametrize("citation_format", ["bibtex", "ris"])
def test_exports_read_back_through_the_projects_importers(study, citation_format):
    many = StudyFactory(authors=MANY_AUTHORS, year=None, journal="", pages="")
    text = (
        bibtex_entries([study, many])
        if citation_format == "bibtex"
        else ris([study, many])
    )
    first, second = read_back(text, citation_format)
    for name in ("title", "authors", "year", "journal", "volume", "issue", "doi"):
        assert first[name] == getattr(study, name), name
    assert first["pages"] == "101–110"
    assert first["pmid"] == "31234567"
    assert second["authors"] == MANY_AUTHORS
    assert second["year"] is None
    assert second["title"] == many.title


def test_study_download_links_and_files(client, study):
    page = client.get(study.get_absolute_url()).content.decode()
    assert f'href="/studies/{study.pk}/cite.bib"' in page
    assert f'href="/studies/{study.pk}/cite.ris"' in page
    bib = client.get(f"/studies/{study.pk}/cite.bib")
    assert bib.status_code == 200
    assert bib["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert bib["Content-Disposition"] == 'attachment; filename="ly2020psilocybin.bib"'
    assert r"\& the \{brain\}: 50\% of a trial\_1?" in bib.content.decode()
    ris_file = client.get(f"/studies/{study.pk}/cite.ris")
    assert ris_file["Content-Type"] == (
        "application/x-research-info-systems; charset=utf-8"
    )
    assert ris_file.content.decode().startswith("TY  - JOUR")
    assert client.get(f"/studies/{study.pk}/cite.xml").status_code == 404
    draft = StudyFactory(status="draft")
    assert client.get(f"/studies/{draft.pk}/cite.bib").status_code == 404


def test_claim_studies_download_lists_its_published_studies_once(client, study):
    claim = ClaimFactory(slug="compound-helps")
    EvidenceFactory(claim=claim, study=study)
    other = EvidenceFactory(claim=claim).study
    hidden = EvidenceFactory(claim=claim, status=Status.DRAFT).study
    page = client.get(claim.get_absolute_url()).content.decode()
    assert 'href="/claims/compound-helps/studies.bib"' in page
    response = client.get("/claims/compound-helps/studies.ris")
    assert response["Content-Disposition"] == (
        'attachment; filename="compound-helps-studies.ris"'
    )
    titles = [fields["title"] for fields in read_back(response.content.decode(), "ris")]
    assert sorted(titles) == sorted([study.title, other.title])
    assert hidden.title not in titles
    bib = client.get("/claims/compound-helps/studies.bib").content.decode()
    assert len(read_back(bib, "bibtex")) == 2
    assert client.get("/claims/no-such-claim/studies.bib").status_code == 404
    assert client.get("/claims/compound-helps/studies.pdf").status_code == 404


def test_bibtex_keys_are_unique_within_a_file():
    one = StudyFactory(authors=["Ly C"], year=2020, title="Trial of things")
    two = StudyFactory(authors=["Ly C"], year=2020, title="Trial of others")
    text = bibtex_entries([one, two])
    assert "@article{ly2020trial," in text and "@article{ly2020triala," not in text
    assert "@article{ly2020trialb," in text


def test_study_page_shows_grade_in_words_effect_and_the_claims_verdict(client, study):
    claim = ClaimFactory(statement="Compound Q lifts mood")
    EvidenceFactory(
        claim=claim,
        study=study,
        risk_of_bias="serious",
        indirectness="very_serious",
        indirectness_reasons=["healthy_volunteers"],
        imprecision="not_serious",
        publication_bias="not_assessed",
        large_effect=True,
        outcome="Depression severity (MADRS)",
        comparator="placebo",
        timepoint="week 6",
        effect_measure="md",
        reported_estimate=-4.0,
        reported_ci_low=-6.0,
        reported_ci_high=-2.0,
    )
    claim.refresh_from_db()
    page = client.get(study.get_absolute_url()).content.decode()
    assert (
        "<dt>Risk of bias</dt><dd>Serious concern: certainty down one level.</dd>"
        in page
    )
    assert (
        "<dt>Indirectness</dt><dd>Very serious concern: certainty down two levels: "
        "participants were healthy volunteers rather than patients.</dd>"
    ) in page
    assert "<dt>Imprecision</dt><dd>No serious concern.</dd>" in page
    assert "<dt>Publication bias</dt><dd>Not assessed yet.</dd>" in page
    assert "A large effect." in page
    assert "<dt>Outcome</dt><dd>Depression severity (MADRS)</dd>" in page
    assert "<dt>Compared with</dt><dd>placebo</dd>" in page
    assert "Mean difference −4.00 (95% CI −6.00 to −2.00)" in page
    assert f'href="/methods/#certainty-{claim.certainty}"' in page
    assert claim.verdict_text and claim.verdict_text in page
    # The curators' notes stay in the admin.
    assert "rct-placebo;imaging" not in page and "mice;cells" not in page


def test_abstract_not_stored_links_to_pubmed_or_the_publisher(client, study):
    page = client.get(study.get_absolute_url()).content.decode()
    assert "The abstract is not stored here" in page
    assert (
        'href="https://pubmed.ncbi.nlm.nih.gov/31234567/">read the abstract on PubMed'
        in page
    )
    doi_only = StudyFactory(pmid="", abstract="")
    page = client.get(doi_only.get_absolute_url()).content.decode()
    assert f'href="https://doi.org/{doi_only.doi}">read it at the publisher' in page
    stored = StudyFactory(abstract="We gave compound Q.")
    page = client.get(stored.get_absolute_url()).content.decode()
    assert "We gave compound Q." in page and "not stored here" not in page


def test_study_page_apa_lists_every_author_and_the_volume(client):
    study = StudyFactory(
        authors=MANY_AUTHORS[:20], volume="7", issue="2", pages="1–9", year=None
    )
    page = client.get(study.get_absolute_url()).content.decode()
    assert "Author19, A. B., &amp; Author20, A. B. (n.d.)." in page
    assert "<i>Journal of Examples</i>, <i>7</i>(2), 1–9." in page


def test_judgements_and_effect_words_without_a_page():
    link = EvidenceFactory.build(
        indirectness_reasons=[],
        effect_measure="",
        **dict.fromkeys(
            [
                "risk_of_bias",
                "inconsistency",
                "indirectness",
                "imprecision",
                "publication_bias",
            ],
            "not_assessed",
        ),
    )
    assert [j.words for j in judgements(link)] == ["not assessed yet"] * 5
    assert effect_sentence(link) == ""
    ratio = EvidenceFactory.build(
        effect_measure="log_rr",
        reported_estimate=0.0,
        reported_ci_low=-0.5,
        reported_ci_high=0.5,
    )
    assert effect_sentence(ratio) == "Risk ratio 1.00 (95% CI 0.61 to 1.65)"


def test_version_page_labels_types_and_undated_studies_readably(client):
    claim = ClaimFactory()
    EvidenceFactory(
        claim=claim,
        evidence_type="self_report",
        study__year=None,
        study__authors=[],
    )
    claim.refresh_from_db()
    page = client.get(f"/claims/{claim.slug}/v/{claim.version}/").content.decode()
    assert "Self-report:" in page
    assert "Selfreport" not in page and "n.d.." not in page


def test_study_page_and_claim_files_query_counts_stay_constant(client, study):
    def link_another_claim():
        for _ in range(3):
            EvidenceFactory(
                study=study,
                effect_measure="md",
                reported_estimate=1.0,
                reported_ci_low=0.0,
                reported_ci_high=2.0,
            )

    EvidenceFactory(study=study)
    assert_constant_queries(
        lambda: client.get(study.get_absolute_url()), link_another_claim
    )
    claim = ClaimFactory(slug="many-studies")
    EvidenceFactory(claim=claim)
    assert_constant_queries(
        lambda: client.get("/claims/many-studies/studies.bib"),
        lambda: EvidenceFactory.create_batch(4, claim=claim),
    )
