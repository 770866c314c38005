import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from studies.identifiers import normalize_doi, normalize_title
from studies.models import Study
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    [
        "10.1038/S41586-024-07624-5",
        "https://doi.org/10.1038/s41586-024-07624-5",
        "http://dx.doi.org/10.1038/s41586-024-07624-5",
        "doi:10.1038/s41586-024-07624-5",
        " DOI: 10.1038/s41586-024-07624-5. ",
    ],
)
def test_doi_is_stored_normalised(typed):
    study = StudyFactory(doi=typed)
    study.refresh_from_db()
    assert study.doi == "10.1038/s41586-024-07624-5"


@pytest.mark.parametrize("bad", ["not-a-doi", "11.1000/abc", "10.1000", "10/abc"])
def test_malformed_doi_is_refused_with_a_clear_message(bad):
    with pytest.raises(ValidationError, match="10.<registrant>/<suffix>"):
        StudyFactory(doi=bad)
    assert not Study.objects.exists()


def test_short_doi_message_says_where_to_put_it():
    with pytest.raises(ValidationError, match="put the link in URL"):
        StudyFactory(doi="10/abc")


def test_duplicate_doi_is_refused_even_when_written_differently():
    StudyFactory(doi="10.1000/ABC")
    with pytest.raises(ValidationError, match="DOI already exists"):
        StudyFactory(doi="https://doi.org/10.1000/abc")
    assert Study.objects.count() == 1


def test_database_refuses_duplicate_doi_past_validation():
    StudyFactory(doi="10.1000/abc")
    with pytest.raises(IntegrityError), transaction.atomic():
        Study.objects.bulk_create([Study(title="Copy", doi="10.1000/abc")])


def test_many_studies_without_doi_or_pmid_are_allowed():
    StudyFactory(doi="", pmid="")
    StudyFactory(doi="", pmid="")
    assert Study.objects.filter(doi="").count() == 2


def test_duplicate_pmid_is_refused():
    StudyFactory(pmid="33852780")
    with pytest.raises(ValidationError, match="PMID already exists"):
        StudyFactory(pmid="PMID: 33852780")


@pytest.mark.parametrize("year", [1899, 3020, datetime.date.today().year + 2])
def test_year_out_of_range_is_refused(year):
    with pytest.raises(ValidationError, match="Enter a year between 1900 and"):
        StudyFactory(year=year)


def test_next_year_is_accepted_for_in_press_work():
    assert StudyFactory(year=datetime.date.today().year + 1).pk


def test_database_refuses_year_3020_past_validation():
    with pytest.raises(IntegrityError), transaction.atomic():
        Study.objects.bulk_create([Study(title="Time traveller", year=3020)])


def test_empty_title_is_refused():
    with pytest.raises(ValidationError, match="cannot be blank"):
        StudyFactory(title="  ")


def test_sample_size_must_be_at_least_one():
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        StudyFactory(sample_size=0)


def test_a_title_alone_is_a_valid_undated_source():
    study = Study(title="A personal account of microdosing")
    study.save()
    assert study.year is None
    assert str(study) == "A personal account of microdosing. (n.d.)."


@pytest.mark.parametrize(
    ("authors", "et_al", "shown"),
    [
        (["Ly C", "Greb AC", "Cameron LP", "Wong JM"], False, "Ly C, Greb AC, et al."),
        (["Ly C", "Greb AC"], True, "Ly C, Greb AC, et al."),
        (
            ["Johnson MW", "Sewell RA", "Griffiths RR"],
            False,
            "Johnson MW, Sewell RA, Griffiths RR",
        ),
        (["Johnstad PG"], False, "Johnstad PG"),
        ([], False, ""),
    ],
)
def test_authors_display(authors, et_al, shown):
    assert (
        Study(title="t", authors=authors, authors_et_al=et_al).authors_display == shown
    )


def test_title_key_ignores_case_accents_and_punctuation():
    assert normalize_title("Søndergaard: Lasting Increases!") == normalize_title(
        "sondergaard lasting increases"
    )
    assert normalize_doi("") == ""


def test_study_list_order_is_newest_first_with_undated_sources_last():
    undated = StudyFactory(year=None, title="Undated account")
    old = StudyFactory(year=1999, title="Old")
    new_b = StudyFactory(year=2020, title="B new")
    new_a = StudyFactory(year=2020, title="A new")
    assert list(Study.objects.for_list()) == [new_a, new_b, old, undated]
