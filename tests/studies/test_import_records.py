"""Imports that keep every good record, and text as a researcher wrote it."""

import codecs
import io
import json
import logging
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from studies.importers import CitationReader
from studies.imports import citations_import
from studies.models import TITLE_MAX_LENGTH, Study
from studies.text import latex_to_text, plain_text
from tests.factories import StudyFactory

FIXTURES = Path(__file__).parent / "fixtures"


def run_import(tmp_path, content, *args, name="refs.bib"):
    path = tmp_path / name
    if isinstance(content, Path):
        content = content.read_bytes()
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_citations", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


def read(content):
    return list(CitationReader(io.BytesIO(content)))


# A bad optional value drops the value, not the record ----------------------


@pytest.mark.django_db
def test_bad_urls_are_dropped_with_a_note_and_every_ris_record_is_kept(tmp_path):
    out = run_import(tmp_path, FIXTURES / "bad-fields.ris", name="library.ris")
    assert "Imported library.ris (RIS): 3 created, 0 updated, 0 unchanged" in out
    assert (
        "note: entry 1 (key 1, line 3): url “http://example_url.com” dropped: "
        "Enter a valid URL." in out
    )
    assert (
        "note: entry 2 (key 2, line 13): url “https://example.org/a paper with "
        "spaces” dropped" in out
    )
    assert "note: entry 3 (key 3, line 25): url “https://example.org/xxx" in out
    assert Study.objects.filter(url="").count() == 3


@pytest.mark.django_db
def test_ris_title_falls_back_to_the_short_title_then_t2(tmp_path):
    run_import(tmp_path, FIXTURES / "bad-fields.ris", name="library.ris")
    survey = Study.objects.get(title="Short-titled survey")
    assert (survey.volume, survey.issue, survey.pages) == ("12", "3", "45–67")
    chapter = Study.objects.get(title="A chapter title kept only in T2")
    assert chapter.journal == ""


@pytest.mark.django_db
def test_fields_without_a_place_are_named_per_record_and_summed(tmp_path):
    out = run_import(tmp_path, FIXTURES / "bad-fields.ris", "--dry-run")
    assert "note: entry 1 (key 1, line 3): not stored: SN (issn)" in out
    assert "Not stored (the atlas has no field for them): SN (issn) (1 entry)." in out


@pytest.mark.django_db
def test_over_long_journal_is_dropped_but_an_over_long_title_refuses_the_entry(
    tmp_path,
):
    long_title = "A" * (TITLE_MAX_LENGTH + 1)
    bib = (
        f"@article{{long, title={{{long_title}}}, year=2020}}\n"
        f"@article{{fine, title={{Fine}}, year=2020, journal={{{'J' * 301}}}}}\n"
    )
    out = run_import(tmp_path, bib, "--skip-invalid")
    assert "1 created, 0 updated, 0 unchanged, 1 skipped" in out
    assert (
        f"skipped entry 1 (key long, line 1): title: Ensure this value has at most "
        f"{TITLE_MAX_LENGTH} characters (it has {TITLE_MAX_LENGTH + 1})." in out
    )
    assert "entry 2 (key fine, line 2): journal “JJJ" in out
    study = Study.objects.get()
    assert (study.title, study.journal) == ("Fine", "")
    assert not Study.objects.filter(title__startswith="AAA").exists()


# A syntax error skips one entry --------------------------------------------


@pytest.mark.django_db
def test_syntax_error_refuses_the_file_naming_the_entry_and_its_line(tmp_path):
    with pytest.raises(CommandError) as caught:
        run_import(tmp_path, FIXTURES / "scholar-broken.bib")
    message = str(caught.value)
    assert "1 invalid entry in refs.bib (BibTeX): nothing was imported." in message
    assert (
        "entry 3 (key broken2020, line 22): this BibTeX entry could not be read"
        in message
    )
    assert not Study.objects.exists()


@pytest.mark.django_db
def test_skip_invalid_imports_the_readable_entries_before_and_after_a_broken_one(
    tmp_path, caplog, capsys
):
    with caplog.at_level(logging.WARNING):
        out = run_import(tmp_path, FIXTURES / "scholar-broken.bib", "--skip-invalid")
    assert "3 created, 0 updated, 0 unchanged, 1 skipped" in out
    assert "skipped entry 3 (key broken2020, line 22)" in out
    assert Study.objects.count() == 3
    # Only the app's message: no raw bibtexparser warning with other line numbers.
    assert not [r for r in caplog.records if r.name.startswith("bibtexparser")]
    assert "aborted on line" not in capsys.readouterr().err
    ly = Study.objects.get(journal="Cell reports")
    assert (ly.volume, ly.issue, ly.pages) == ("23", "11", "3170–3182")
    assert ly.authors == ["Ly C", "Greb AC", "Cameron LP"] and ly.authors_et_al


# Exit status ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_without_a_single_valid_entry_exits_non_zero(tmp_path):
    bib = "@article{a, author={Doe, J}, year=2020}\n@article{b, year=2021}\n"
    with pytest.raises(CommandError, match="Nothing imported from refs.bib"):
        run_import(tmp_path, bib, "--skip-invalid")
    with pytest.raises(CommandError, match="No entry was readable and valid"):
        run_import(tmp_path, bib, "--skip-invalid", "--dry-run")


@pytest.mark.django_db
def test_a_re_import_with_every_entry_unchanged_exits_zero(tmp_path):
    run_import(tmp_path, FIXTURES / "zotero.bib")
    out = run_import(tmp_path, FIXTURES / "zotero.bib")
    assert "0 created, 0 updated, 9 unchanged, 0 skipped" in out


# A lab's publication list --------------------------------------------------


@pytest.mark.django_db
def test_json_publication_list_keeps_authors_year_journal_doi_and_pages(tmp_path):
    out = run_import(
        tmp_path, FIXTURES / "lab-publications.json", name="publications.json"
    )
    assert "Imported publications.json (JSON publication list): 3 created" in out
    assert "note: entry 1: not stored: citations, pdf" in out
    trial = Study.objects.get(doi="10.1056/nejmoa2032994")
    assert trial.authors == ["Carhart-Harris R", "Giribaldi B", "Watts R", "Nutt DJ"]
    assert (trial.year, trial.journal) == (2021, "New England Journal of Medicine")
    assert (trial.volume, trial.issue, trial.pages) == ("384", "15", "1402–1411")
    brain = Study.objects.get(doi="10.1038/s41586-024-07624-5")
    assert brain.authors == ["Siegel JS", "Subramanian S", "Dosenbach NUF"]
    assert brain.year == 2024
    mindfulness = Study.objects.get(journal="Frontiers in Psychology")
    assert mindfulness.authors == ["Søndergaard A", "Madsen MK", "Stenbæk DS"]


@pytest.mark.django_db
def test_bibtex_entry_for_a_listed_publication_matches_it_instead_of_copying(
    tmp_path,
):
    run_import(tmp_path, FIXTURES / "lab-publications.json", name="pubs.json")
    out = run_import(tmp_path, FIXTURES / "zotero.bib", "-v", "2")
    assert Study.objects.filter(doi="10.1056/nejmoa2032994").count() == 1
    # The matched study's differing title is shown, not hidden behind "unchanged".
    assert "differs: title: file “Lasting increases in trait mindfulness after" in out


def test_json_with_csl_names_is_still_read_as_csl_json():
    reader = CitationReader(io.BytesIO((FIXTURES / "zotero.json").read_bytes()))
    assert len(list(reader)) == 4
    assert reader.format_label == "CSL-JSON"


# Encodings -----------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),  # with its byte order mark
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
@pytest.mark.parametrize("name", ["zotero.bib", "endnote.ris", "zotero.json"])
def test_utf8_and_utf16_files_read_alike(name, encode):
    text = (FIXTURES / name).read_text(encoding="utf-8-sig")
    citations = read(encode(text))
    assert citations
    assert [c.fields for c in citations] == [c.fields for c in read(text.encode())]


# Text as a researcher wrote it ---------------------------------------------


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ("5-HT$_{2A}$ receptor", "5-HT₂A receptor"),
        (r"$\alpha$-synuclein", "α-synuclein"),
        ("`microdosing' and ``set''", "‘microdosing’ and “set”"),
        (r"Ca$^{2+}$ and $\beta_2$", "Ca²⁺ and β₂"),
        (r"{\"u}ber {DNA} 50% of \emph{cases}", "über DNA 50% of cases"),
        ("p < 0.05", "p < 0.05"),
    ],
)
def test_latex_markup_and_math_become_unicode(latex, text):
    assert latex_to_text(latex) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("&lt;script&gt;alert(1)&lt;/script&gt;Trial", "Trial"),
        ("&amp;lt;b&amp;gt;Bold&amp;lt;/b&amp;gt;", "Bold"),
        ("Effect at p < 0.05 &amp; p&lt;0.01", "Effect at p < 0.05 & p<0.01"),
        ("<i>Psilocybe</i> cubensis", "Psilocybe cubensis"),
        ("Plain", "Plain"),
    ],
)
def test_entities_are_decoded_then_tags_stripped_never_escaped(raw, clean):
    assert plain_text(raw) == clean
    assert plain_text(plain_text(raw)) == clean


@pytest.mark.django_db
def test_every_save_cleans_title_journal_authors_and_abstract():
    study = StudyFactory(
        title="&lt;script&gt;alert(1)&lt;/script&gt;Trial at p < 0.05",
        journal="<b>Journal</b> &amp; Review",
        authors=["&lt;img src=x onerror=alert(1)&gt;Doe J", "Roe R"],
        abstract="<p>First.</p>\n\n<p>Second &lt; third.</p>",
    )
    study.refresh_from_db()
    assert study.title == "Trial at p < 0.05"
    assert study.journal == "Journal & Review"
    assert study.authors == ["Doe J", "Roe R"]
    assert study.abstract == "First.\n\nSecond < third."


@pytest.mark.django_db
def test_api_stores_entity_encoded_markup_as_plain_text(client, curator):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(curator)
    response = api.post(
        "/api/v1/studies/",
        {
            "title": "&lt;script&gt;x&lt;/script&gt;Psilocybin &amp; mood",
            "authors": ["<b>Doe J</b>"],
            "volume": "23",
            "issue": "11",
            "pages": "3170–3182",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    study = Study.objects.get()
    assert (study.title, study.authors) == ("Psilocybin & mood", ["Doe J"])
    assert response.json()["pages"] == "3170–3182"


@pytest.mark.django_db
def test_api_title_that_is_only_markup_is_a_400_not_a_500(curator):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(curator)
    response = api.post(
        "/api/v1/studies/", {"title": "<script>x</script>"}, format="json"
    )
    assert response.status_code == 400
    assert "title" in response.json()


@pytest.mark.django_db
def test_import_reports_entries_in_file_order():
    bib = "".join(
        f"@article{{k{n}, title={{Study {n}}}, year=2020}}\n" for n in range(5)
    )
    StudyFactory(title="Study 3", year=2020)
    bib += "@article{dup, title={Study 1}, year=2020}\n@article{bad, year=2020}\n"
    report = citations_import(
        file=io.BytesIO(bib.encode()),
        file_name="refs.bib",
        dry_run=True,
        skip_invalid=True,
    )
    assert [entry.number for entry in report.entries] == [1, 2, 3, 4, 5, 6, 7]
    assert [entry.outcome for entry in report.entries] == [
        "created",
        "created",
        "created",
        "unchanged",
        "created",
        "skipped",
        "skipped",
    ]
    # A duplicate inside the file is a note, not an invalid entry.
    assert report.problems == ["entry 7 (key bad, line 7): no title"]
    assert report.entries[5].reason == "the same study as entry 2 of this file"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ly C, Greb AC, Olson DE", ["Ly C", "Greb AC", "Olson DE"]),
        ("Smith, John and Doe, Jane", ["Smith J", "Doe J"]),
        ("Smith, J.; Doe, A. B.", ["Smith J", "Doe AB"]),
        ("A. Smith & B. Jones", ["Smith A", "Jones B"]),
        ("Smith, John, Doe, Jane", ["Smith J", "Doe J"]),
    ],
)
def test_authors_written_as_one_string_are_split_into_names(text, names):
    item = {"title": "T", "authors": text}
    (citation,) = read(json.dumps([item]).encode())
    assert citation.fields["authors"] == names


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab <>&;/$\\{}_^`'%~#lt")), max_size=40))
def test_cleaning_never_fails_and_cleaned_text_stays_as_it_is(value):
    cleaned = plain_text(latex_to_text(value))
    assert plain_text(cleaned) == cleaned
    assert not re.search(r"<[A-Za-z/!?][^<>]*>", cleaned)
