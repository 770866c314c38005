import bibtexparser
import pytest

from studies.citations import bibtex, bibtex_key, split_author
from studies.csl import apa_html
from studies.csl import apa_text as apa
from studies.models import Study


def study(**fields):
    """An unsaved study: the citation functions need no database."""
    defaults = {
        "title": "Psychedelics promote structural and functional neural plasticity",
        "authors": ["Ly C", "Greb AC", "Cameron LP"],
        "authors_et_al": False,
        "year": 2018,
        "journal": "Cell Reports",
        "doi": "10.1016/j.celrep.2018.05.022",
        "pmid": "29898390",
        "url": "",
    }
    return Study(**{**defaults, **fields})


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Ly C", ("Ly", ["C"])),
        ("Greb AC", ("Greb", ["A", "C"])),
        ("van Elk M", ("van Elk", ["M"])),
        ("Johansen PØ", ("Johansen", ["P", "Ø"])),
        (
            "Vollenweider-Scherpenhuyzen MFI",
            ("Vollenweider-Scherpenhuyzen", ["M", "F", "I"]),
        ),
        ("World Health Organization", ("World Health Organization", [])),
        ("Anonymous", ("Anonymous", [])),
    ],
)
def test_author_names_split_into_surname_and_initials(name, expected):
    assert split_author(name) == expected


def test_apa_reference_lists_authors_year_title_journal_and_doi_link():
    assert apa(study()) == (
        "Ly, C., Greb, A. C., & Cameron, L. P. (2018). Psychedelics promote "
        "structural and functional neural plasticity. Cell Reports. "
        "https://doi.org/10.1016/j.celrep.2018.05.022"
    )


def test_apa_authors_one_two_and_abridged():
    assert apa(study(authors=["Ly C"])).startswith("Ly, C. (2018).")
    assert apa(study(authors=["Ly C", "Greb AC"])).startswith(
        "Ly, C., & Greb, A. C. (2018)."
    )
    assert apa(study(authors=["Ly C", "Greb AC"], authors_et_al=True)).startswith(
        "Ly, C., Greb, A. C., et al. (2018)."
    )


def test_apa_lists_every_author_up_to_twenty_then_an_ellipsis_and_the_last():
    names = [f"Author{n} A" for n in range(1, 26)]
    text = apa(study(authors=names))
    assert text.startswith("Author1, A., Author2, A.,")
    assert "Author19, A., … Author25, A. (2018)." in text
    assert "Author20," not in text
    assert "et al" not in text
    nineteen = apa(study(authors=names[:19]))
    assert "Author18, A., & Author19, A. (2018)." in nineteen


def test_apa_has_volume_issue_pages_and_doi():
    text = apa(study(volume="23", issue="11", pages="3170–3182"))
    assert text == (
        "Ly, C., Greb, A. C., & Cameron, L. P. (2018). Psychedelics promote "
        "structural and functional neural plasticity. Cell Reports, 23(11), "
        "3170–3182. https://doi.org/10.1016/j.celrep.2018.05.022"
    )


def test_apa_html_italicises_the_journal_and_escapes_stored_markup():
    html = apa_html(study(title="A <script>x</script> & y", journal="J & K"))
    assert "<script>" not in html
    assert "A &lt;script&gt;x&lt;/script&gt; &amp; y." in html
    assert "<i>J &amp; K</i>" in html


def test_apa_falls_back_to_pubmed_then_url_and_keeps_a_question_mark():
    cited = apa(study(doi="", title="Does it work?"))
    assert "Does it work? Cell Reports." in cited
    assert cited.endswith("https://pubmed.ncbi.nlm.nih.gov/29898390/")
    assert apa(study(doi="", pmid="", url="https://example.org/a")).endswith(
        "https://example.org/a"
    )


def test_apa_undated_anonymous_source_puts_the_title_first():
    cited = apa(
        study(authors=[], year=None, journal="", doi="", pmid="", title="An account")
    )
    assert cited == "An account. (n.d.)."
    dated = apa(study(authors=[], title="A report", doi="", pmid=""))
    assert dated == "A report. (2018). Cell Reports."


def test_bibtex_entry_parses_with_every_field():
    entry_text = bibtex(study(authors_et_al=True))
    library = bibtexparser.parse_string(entry_text)
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "article"
    assert entry.key == "ly2018psychedelics"
    fields = {field.key: field.value for field in entry.fields}
    assert fields["author"] == "Ly, C. and Greb, A. C. and Cameron, L. P. and others"
    assert fields["title"] == (
        "{Psychedelics promote structural and functional neural plasticity}"
    )
    assert fields["journal"] == "Cell Reports"
    assert fields["year"] == "2018"
    assert fields["doi"] == "10.1016/j.celrep.2018.05.022"
    assert fields["eprint"] == "29898390"
    assert fields["eprinttype"] == "pubmed"


def test_bibtex_escapes_latex_specials_and_keeps_braces_balanced():
    entry_text = bibtex(
        study(
            title="50% of {people} & their $money_#1",
            journal="J_Test & Co",
            authors=["O'Brien J", "Medical Research Council"],
            doi="10.1000/a_b{c}",
        )
    )
    assert r"50\% of \{people\} \& their \$money\_\#1" in entry_text
    assert r"J\_Test \& Co" in entry_text
    assert "author = {O'Brien, J. and {Medical Research Council}}" in entry_text
    assert "doi = {10.1000/a_b%7Bc%7D}" in entry_text
    assert entry_text.count("{") == entry_text.count("}")
    assert not bibtexparser.parse_string(entry_text).failed_blocks


def test_bibtex_of_an_undated_source_without_journal_is_misc():
    source = study(
        authors=[], year=None, journal="", doi="", pmid="", url="https://example.org"
    )
    entry_text = bibtex(source)
    assert entry_text.startswith("@misc{anonymousndpsychedelics,")
    assert "url = {https://example.org}" in entry_text
    assert "year" not in entry_text and "author" not in entry_text


def test_bibtex_key_is_ascii_and_skips_short_words():
    key = bibtex_key(
        study(authors=["Søndergaard A"], year=2022, title="A trial of psilocybin")
    )
    assert key == "sondergaard2022trial"
