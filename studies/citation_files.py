"""Citation files to download: one study, or the studies behind a claim, as
BibTeX or RIS, for reference managers."""

import rispy
from django.http import HttpResponse

from .citations import bibtex_entries, bibtex_key, split_author
from .text import clean_line

# The format in the URL, which is also the file's extension → content type.
CITATION_FORMATS = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
}


class _RisWriter(rispy.RisWriter):
    # rispy numbers the records ("1."), which some readers take for a tag.
    def set_header(self, count):
        return None


def ris_record(study):
    """``study`` as a rispy record (``JOUR`` with a journal, else ``GEN``)."""
    record = {"type_of_reference": "JOUR" if study.journal else "GEN"}
    authors = [clean_line(name) for name in study.authors or [] if clean_line(name)]
    if authors:
        record["authors"] = [_ris_name(name) for name in authors]
    record["title"] = clean_line(study.title)
    if study.year:
        record["year"] = str(study.year)
    if study.journal:
        record["journal_name"] = clean_line(study.journal)
    if study.volume:
        record["volume"] = clean_line(study.volume)
    if study.issue:
        record["number"] = clean_line(study.issue)
    if study.pages:
        first, _, last = clean_line(study.pages).replace("--", "–").partition("–")
        record["start_page"] = first.strip()
        if last.strip():
            record["end_page"] = last.strip()
    if study.doi:
        record["doi"] = study.doi
    if study.pmid:
        record["accession_number"] = study.pmid
        record["name_of_database"] = "PubMed"
    if study.url:
        record["urls"] = [study.url]
    if study.abstract:
        # RIS values are one line each.
        record["abstract"] = " ".join(study.abstract.split())
    if study.authors_et_al:
        record["notes"] = ["The author list is abridged (et al.)."]
    return record


def _ris_name(name):
    surname, initials = split_author(name)
    if not initials:
        return surname
    return f"{surname}, {' '.join(i + '.' for i in initials)}"


def ris(studies):
    """RIS text for ``studies``."""
    records = [ris_record(study) for study in studies]
    return rispy.dumps(records, implementation=_RisWriter) if records else ""


def citation_file_response(studies, citation_format, filename_stem):
    """An attachment of ``studies`` in ``citation_format`` ("bib" or "ris")."""
    studies = list(studies)
    text = bibtex_entries(studies) if citation_format == "bib" else ris(studies)
    response = HttpResponse(text, content_type=CITATION_FORMATS[citation_format])
    response["Content-Disposition"] = (
        f'attachment; filename="{filename_stem}.{citation_format}"'
    )
    return response


def study_filename(study):
    """``ly2018psychedelics``: the study's citation key, ASCII only."""
    return bibtex_key(study)
