import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from studies.importers import CitationFileError, CitationReader, detect_format
from studies.imports import citations_import
from studies.models import EntryMethod, Study
from tests.factories import CuratorFactory, StudyFactory

FIXTURES = Path(__file__).parent / "fixtures"


def read(content, format=None):
    """The citations of a file given as bytes or as the name of a fixture."""
    if isinstance(content, str):
        content = (FIXTURES / content).read_bytes()
    return list(CitationReader(io.BytesIO(content), format=format))


def by_key(citations):
    return {citation.key: citation.fields for citation in citations}


def run_import(tmp_path, content, *args, name="refs.bib"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    out = io.StringIO()
    call_command("import_citations", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# Parsing: BibTeX ------------------------------------------------------------


def test_zotero_bibtex_with_a_byte_order_mark_is_read_whole():
    citations = read("zotero.bib")
    assert len(citations) == 9
    assert citations[0].key == "ly_psychedelics_2018"
    assert citations[0].line == 3


def test_bibtex_latex_accents_and_protective_braces_are_decoded():
    entries = by_key(read("zotero.bib"))
    assert entries["sondergaard_lasting_2022"]["authors"][0] == "Søndergaard A"
    assert entries["sondergaard_lasting_2022"]["authors"][-1] == "Stenbæk DS"
    assert entries["madsen_psychedelic_2019"]["authors"][4] == "Stenbäk DS"
    assert entries["marschall_psilocybin_2022"]["authors"][3:6] == [
        "Procházková L",
        "Kuchař M",
        "Hajková K",
    ]
    assert entries["ly_psychedelics_2018"]["title"] == (
        "Psychedelics Promote Structural and Functional Neural Plasticity"
    )
    assert "serotonin 2A receptor" in entries["madsen_psychedelic_2019"]["title"]


def test_bibtex_authors_become_surname_and_initials():
    entries = by_key(read("zotero.bib"))
    assert entries["ly_psychedelics_2018"]["authors"][:3] == [
        "Ly C",
        "Greb AC",
        "Cameron LP",
    ]
    assert "McAllister AK" in entries["ly_psychedelics_2018"]["authors"]
    # "von" particles stay with the surname; "First Last" order is understood.
    assert entries["marschall_psilocybin_2022"]["authors"][-1] == "van Elk M"
    assert entries["lea_perceived_2020"]["authors"][:2] == ["Lea T", "Amada N"]


def test_bibtex_and_others_marks_the_author_list_abridged():
    trial = by_key(read("zotero.bib"))["carhart-harris_trial_2021"]
    assert trial["authors_et_al"] is True
    assert "others" not in " ".join(trial["authors"])


def test_bibtex_string_macros_and_month_macros_resolve():
    trial = by_key(read("zotero.bib"))["carhart-harris_trial_2021"]
    assert trial["journal"] == "New England Journal of Medicine"
    assert trial["year"] == 2021


def test_bibtex_multi_line_abstract_keeps_paragraphs_and_joins_lines():
    abstract = by_key(read("zotero.bib"))["ly_psychedelics_2018"]["abstract"]
    first, second = abstract.split("\n\n")
    assert first.startswith("Atrophy of neurons in the prefrontal cortex")
    assert "related disorders. The ability to promote" in first
    assert second.startswith("Here, we report that, like ketamine")


def test_dois_written_as_urls_or_with_doi_prefix_are_stored_bare():
    entries = by_key(read("zotero.bib"))
    assert entries["carhart-harris_trial_2021"]["doi"] == "10.1056/nejmoa2032994"
    assert entries["sondergaard_lasting_2022"]["doi"] == "10.3389/fpsyg.2022.948729"
    # A chapter whose DOI only appears as a resolver link in "url".
    chapter = entries["nichols_chemistry_2018"]
    assert (chapter["doi"], chapter["url"]) == ("10.1007/7854_2017_475", "")


def test_short_doi_is_kept_as_a_link_and_the_entry_has_no_doi():
    entry = by_key(read("zotero.bib"))["polito_systematic_2019"]
    assert entry["doi"] == ""
    assert entry["url"] == "https://doi.org/10/gfvk7m"


def test_entry_without_doi_is_read():
    entry = by_key(read("zotero.bib"))["lea_perceived_2020"]
    assert (entry["doi"], entry["year"], entry["journal"]) == (
        "",
        2020,
        "Psychopharmacology",
    )


def test_bibtex_book_with_corporate_author_and_chapter_in_a_book():
    entries = by_key(read("zotero.bib"))
    book = entries["world_health_organization_mental_2021"]
    assert book["authors"] == ["World Health Organization"]
    assert book["journal"] == "World Health Organization"  # the publisher
    chapter = entries["nichols_chemistry_2018"]
    assert chapter["journal"] == "Behavioral Neurobiology of Psychedelic Drugs"
    assert chapter["authors"] == ["Nichols DE"]  # the editors are not authors
    assert chapter["title"] == (
        "Chemistry and Structure–Activity Relationships of Psychedelics"
    )


def test_bibtex_pmid_field_is_read():
    assert by_key(read("zotero.bib"))["carhart-harris_trial_2021"]["pmid"] == (
        "33852780"
    )


def test_bibtex_url_keeps_percent_signs_that_latex_would_treat_as_comments():
    (citation,) = read(
        b"@misc{a, title={A page}, url={https://example.org/a%20b_c~d}, year=2020}"
    )
    assert citation.fields["url"] == "https://example.org/a%20b_c~d"


def test_design_population_and_dose_are_left_for_the_curator():
    for citation in read("zotero.bib"):
        assert not {"design", "population", "dose"} & set(citation.fields)


# Parsing: RIS and CSL-JSON --------------------------------------------------


def test_endnote_ris_with_header_lines_and_crlf_is_read():
    citations = read("endnote.ris")
    assert [citation.key for citation in citations] == [
        "1042",
        "1043",
        "1044",
        "1045",
        "1046",
    ]
    assert citations[0].line == 5


def test_ris_pubmed_accession_number_and_pmid_note_become_the_pmid():
    entries = by_key(read("endnote.ris"))
    assert entries["1042"]["pmid"] == "33852780"  # AN with DB NLM
    assert entries["1043"]["pmid"] == "39020167"  # N1 "PMID: …"
    assert entries["1044"]["pmid"] == ""


def test_ris_authors_in_both_styles_and_wrapped_abstract():
    entries = by_key(read("endnote.ris"))
    assert entries["1042"]["authors"][-1] == "Nutt DJ"
    assert entries["1043"]["authors"][-1] == "Dosenbach NUF"
    assert entries["1044"]["authors"][:2] == ["Shao LX", "Liao C"]
    assert entries["1043"]["abstract"].endswith(
        "produces rapid and persistent therapeutic effects in human clinical trials."
    )
    assert entries["1043"]["doi"] == "10.1038/s41586-024-07624-5"


def test_ris_book_and_chapter():
    entries = by_key(read("endnote.ris"))
    assert entries["1045"]["authors"] == ["World Health Organization"]
    assert entries["1045"]["journal"] == "World Health Organization"
    assert entries["1046"]["journal"] == "Behavioral Neurobiology of Psychedelic Drugs"
    assert entries["1046"]["authors"] == ["Nichols DE"]  # A2 editors left out


def test_zotero_csl_json_is_read():
    entries = by_key(read("zotero.json"))
    trial = entries["8WJ3XQ9K"]
    assert trial["pmid"] == "33852780"
    assert trial["year"] == 2021
    assert trial["authors"][-1] == "Nutt DJ"
    microdosing = entries["QF6S2M7A"]
    assert microdosing["doi"] == "10.1177/02698811211050556"
    assert microdosing["authors"] == ["Marschall J", "Procházková L", "van Elk M"]
    assert entries["W7CZ4B3N"]["journal"] == (
        "Behavioral Neurobiology of Psychedelic Drugs"
    )
    book = entries["HV2N8R5D"]
    assert (book["authors"], book["year"]) == (["World Health Organization"], 2021)


# Format detection and refused files ----------------------------------------


@pytest.mark.parametrize(
    ("name", "format"),
    [("zotero.bib", "bibtex"), ("endnote.ris", "ris"), ("zotero.json", "csljson")],
)
def test_format_is_detected_from_the_content(name, format):
    assert detect_format((FIXTURES / name).read_bytes()) == format


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is a PNG image"),
        (b"%PDF-1.7\n", "This is a PDF document"),
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (b"title,authors,year\nA,B,2020\n", "looks like a spreadsheet (CSV)"),
        (b"Dear colleagues, the minutes of the meeting.\n", "not a citation file"),
        (b"PMID- 33852780\nTI  - Trial\n", "MEDLINE (.nbib)"),
        (b"\x00\x01\x02binary", "binary file"),
    ],
)
def test_files_that_are_not_citation_files_are_refused_with_a_reason(content, message):
    with pytest.raises(CitationFileError, match=re.escape(message)):
        read(content)


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"TY  - JOUR\nTI  - One\nER  - \nAU  - Ly, C\n", 4, "outside a record"),
        (
            b'[\n  {"title": "One",\n  "type": "book"\n  }\n  oops\n]',
            5,
            "not valid JSON",
        ),
        (b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n", 2, "not UTF-8"),
    ],
)
def test_malformed_files_name_the_line(content, line, message):
    with pytest.raises(CitationFileError, match=message) as caught:
        read(content)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"Line {line}: ")


@pytest.mark.parametrize(
    ("content", "line", "message", "readable"),
    [
        (
            b"@article{a, title={One}, year=2020}\n\n@article{b\n  title = {Two},\n}\n",
            3,
            "this BibTeX entry could not be read",
            ["One"],
        ),
        (
            b"TY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nTI  - Two\n",
            5,
            "no 'ER  - ' line at its end",
            ["One"],
        ),
        (
            b"TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  - \n",
            1,
            "a new record starts on line 3",
            ["Two"],
        ),
    ],
)
def test_an_entry_with_a_syntax_error_is_handed_out_with_its_line(
    content, line, message, readable
):
    citations = read(content)
    (broken,) = [citation for citation in citations if citation.problem]
    assert broken.line == line
    assert message in broken.problem
    assert [c.fields["title"] for c in citations if not c.problem] == readable


def test_json_that_is_not_csl_is_refused():
    with pytest.raises(CitationFileError, match="not CSL-JSON"):
        read(b'{"name": "evidence-atlas", "version": "1.0"}')


def test_explicit_format_that_does_not_match_finds_no_entries():
    with pytest.raises(CitationFileError, match="No RIS entries were found"):
        read("zotero.bib", format="ris")


# Importing -------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_studies_with_provenance_and_history(tmp_path):
    out = run_import(tmp_path, (FIXTURES / "zotero.bib").read_bytes())
    assert (
        "Imported refs.bib (BibTeX): 9 created, 0 updated, 0 unchanged, 0 skipped"
        in out
    )
    assert "New studies are drafts until an editor publishes them." in out
    study = Study.objects.get(doi="10.1016/j.celrep.2018.05.022")
    assert study.entry_method == EntryMethod.IMPORT
    assert study.entry_source == "refs.bib (BibTeX)"
    assert study.status == "draft" and not study.ever_published
    assert (study.design, study.population, study.dose) == ("", "", "")
    record = study.history.get()
    assert record.history_change_reason == "Imported from refs.bib (BibTeX)"
    assert record.history_type == "+"


@pytest.mark.django_db
def test_reimporting_the_same_file_creates_nothing(tmp_path):
    run_import(tmp_path, (FIXTURES / "endnote.ris").read_bytes(), name="refs.ris")
    out = run_import(tmp_path, (FIXTURES / "endnote.ris").read_bytes(), name="refs.ris")
    assert "0 created, 0 updated, 5 unchanged, 0 skipped" in out
    assert Study.objects.count() == 5
    assert all(study.history.count() == 1 for study in Study.objects.all())


@pytest.mark.django_db
def test_existing_studies_gain_only_empty_fields(tmp_path):
    curated = StudyFactory(
        doi="10.1056/NEJMoa2032994",
        title="Psilocybin vs escitalopram (corrected title)",
        journal="",
        pmid="",
        year=2021,
    )
    out = run_import(tmp_path, (FIXTURES / "zotero.bib").read_bytes())
    assert "8 created, 1 updated" in out
    curated.refresh_from_db()
    assert curated.title == "Psilocybin vs escitalopram (corrected title)"
    assert curated.journal == "New England Journal of Medicine"
    assert curated.pmid == "33852780"
    assert curated.entry_method == EntryMethod.MANUAL  # how it was first entered
    latest = curated.history.first()
    assert latest.history_change_reason == "Imported from refs.bib (BibTeX)"


@pytest.mark.django_db
def test_studies_are_matched_by_pmid_and_by_title_and_year(tmp_path):
    by_pmid = StudyFactory(doi="", pmid="33852780", title="Something else", year=2021)
    by_title = StudyFactory(
        doi="", title="Psilocybin desynchronizes the human brain!", year=2024
    )
    out = run_import(tmp_path, (FIXTURES / "endnote.ris").read_bytes(), name="e.ris")
    assert "3 created, 2 updated" in out
    by_pmid.refresh_from_db()
    by_title.refresh_from_db()
    assert by_pmid.doi == "10.1056/nejmoa2032994"
    assert by_title.doi == "10.1038/s41586-024-07624-5"


@pytest.mark.django_db
def test_duplicates_within_a_file_are_skipped_with_a_reason(tmp_path):
    bib = (
        "@article{one, title={Psilocybin desynchronizes the human brain}, year=2024,"
        " doi={10.1038/s41586-024-07624-5}}\n"
        "@article{two, title={Psilocybin Desynchronizes the Human Brain.}, year=2024}\n"
        "@article{three, title={Other}, year=2020, doi={https://doi.org/10.1038/S41586-024-07624-5}}\n"
    )
    out = run_import(tmp_path, bib)
    assert "1 created, 0 updated, 0 unchanged, 2 skipped" in out
    assert "entry 2 (key two, line 2): the same study as entry 1 of this file" in out
    assert "entry 3 (key three, line 3): the same study as entry 1 of this file" in out


INVALID_BIB = """@article{good, title={A good study}, year=2020}
@article{smith2020, author={Smith, J}, year=2020}
@article{future, title={From the future}, year={3020}}
@article{baddoi, title={Bad DOI}, year=2020, doi={banana}}
@article{alsogood, title={Another good study}, year=2021}
"""


@pytest.mark.django_db
def test_invalid_entries_refuse_the_whole_import_and_are_listed(tmp_path):
    with pytest.raises(CommandError) as caught:
        run_import(tmp_path, INVALID_BIB)
    message = str(caught.value)
    assert "3 invalid entries in refs.bib (BibTeX): nothing was imported." in message
    assert "entry 2 (key smith2020, line 2): no title" in message
    assert (
        "entry 3 (key future, line 3): year: Enter a year between 1900 and" in message
    )
    assert "entry 4 (key baddoi, line 4): doi: Enter a DOI of the form" in message
    assert "--skip-invalid" in message
    assert not Study.objects.exists()


@pytest.mark.django_db
def test_skip_invalid_imports_the_rest(tmp_path):
    out = run_import(tmp_path, INVALID_BIB, "--skip-invalid")
    assert "2 created, 0 updated, 0 unchanged, 3 skipped" in out
    assert "skipped entry 2 (key smith2020, line 2): no title" in out
    assert set(Study.objects.values_list("title", flat=True)) == {
        "A good study",
        "Another good study",
    }


@pytest.mark.django_db
def test_dry_run_reports_and_stores_nothing(tmp_path):
    out = run_import(tmp_path, (FIXTURES / "zotero.json").read_bytes(), "--dry-run")
    assert "Dry run of refs.bib (CSL-JSON), nothing stored: would be 4 created" in out
    assert not Study.objects.exists()


@pytest.mark.django_db
def test_malformed_file_stores_nothing_even_after_good_entries(tmp_path):
    good = "".join(
        f"@article{{k{n}, title={{Study {n}}}, year=2020}}\n" for n in range(1200)
    )
    with pytest.raises(
        CommandError,
        match=r"entry 1201 \(line 1201\): this BibTeX entry could not be read",
    ):
        run_import(tmp_path, good + "@article{broken\n title = {x},\n}\n")
    assert not Study.objects.exists()


@pytest.mark.django_db
def test_not_a_citation_file_is_refused_by_the_command(tmp_path):
    with pytest.raises(CommandError, match="picture.png was not imported.*PNG image"):
        run_import(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00", name="picture.png")


@pytest.mark.django_db
def test_command_records_the_user_in_history(tmp_path):
    curator = CuratorFactory(username="ana")
    run_import(tmp_path, (FIXTURES / "zotero.json").read_bytes(), "--user", "ana")
    assert {record.history_user for record in Study.history.all()} == {curator}
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        run_import(tmp_path, b"@misc{a, title={A}}", "--user", "nobody")


@pytest.mark.django_db
def test_command_verbose_output_lists_every_entry(tmp_path):
    out = run_import(
        tmp_path, (FIXTURES / "endnote.ris").read_bytes(), "-v", "2", name="e.ris"
    )
    assert "entry 4 (key 1045, line 73): created Mental health atlas 2020" in out


@pytest.mark.django_db
def test_service_reports_each_entry_and_progress():
    calls = []
    report = citations_import(
        file=io.BytesIO((FIXTURES / "zotero.json").read_bytes()),
        file_name="library.json",
        progress=lambda done, size: calls.append((done, size)),
    )
    assert [entry.outcome for entry in report.entries] == ["created"] * 4
    assert all(entry.study_id for entry in report.entries)
    assert calls[-1][0] == calls[-1][1] > 0


@pytest.mark.parametrize("name", ["zotero.bib", "endnote.ris", "zotero.json"])
def test_damaged_files_are_read_or_refused_never_crash(name):
    content = (FIXTURES / name).read_bytes()
    damaged = [content[:cut] for cut in range(0, len(content), 53)]
    damaged += [
        content[:cut] + bytes([byte]) + content[cut + 1 :]
        for cut, byte in zip(
            range(3, len(content), 97), b'{}"@\n,[]\\%=TY-' * 50, strict=False
        )
    ]
    for variant in damaged:
        try:
            read(variant)
        except CitationFileError:
            pass


@pytest.mark.django_db
def test_long_file_names_fit_the_history_reason(tmp_path):
    run_import(tmp_path, b"@misc{a, title={A}, year=2020}", name="x" * 150 + ".bib")
    reason = Study.history.get().history_change_reason
    assert len(reason) <= 100
    assert reason.endswith("… (BibTeX)")


def test_markup_in_imported_text_is_removed_with_nh3():
    from studies.text import plain_text

    assert (
        plain_text("<i>Psilocybe</i> cubensis &amp; more")
        == "Psilocybe cubensis & more"
    )
    assert plain_text('Title<script>alert("x")</script>') == "Title"
    assert plain_text("IL-6 &lt; 5 pg/mL") == "IL-6 < 5 pg/mL"
    assert plain_text("Plain title") == "Plain title"


@pytest.mark.django_db
def test_imported_titles_and_abstracts_keep_no_markup(tmp_path):
    ris = (
        "TY  - JOUR\nTI  - Growth of <i>Psilocybe cubensis</i>\nAU  - Doe, J\nPY  - 2020\n"
        'AB  - Results <script>alert("x")</script>were clear &amp; strong.\nER  - \n'
    )
    run_import(tmp_path, ris, name="markup.ris")
    study = Study.objects.get()
    assert study.title == "Growth of Psilocybe cubensis"
    assert study.abstract == "Results were clear & strong."
