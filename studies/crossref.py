"""Looking a DOI up in Crossref (through habanero) and mapping the answer to Study fields."""

import re

import httpx2
from django.conf import settings
from django.core.cache import cache
from habanero import Crossref
from habanero.exceptions import RequestError

from .identifiers import is_short_doi, is_valid_doi, normalize_doi
from .importers import author_from_text, csl_year
from .importers.common import page_range
from .text import clean_line, plain_text

TIMEOUT_SECONDS = 10
# A machine without network fails to connect at once (no DNS); one whose
# packets are dropped would wait the whole timeout without this.
CONNECT_TIMEOUT_SECONDS = 3
# After a failed connection, lookups within this time say so without trying.
OFFLINE_MEMORY_SECONDS = 60
OFFLINE_CACHE_KEY = "studies:crossref-offline"
USER_AGENT = "EvidenceAtlas/0.1 (study lookup for curators)"
BY_HAND = "Type the study in by hand."


class DoiLookupError(Exception):
    """The DOI could not be looked up; the message says why and what to do."""


class InvalidDoi(DoiLookupError):
    pass


class DoiNotFound(DoiLookupError):
    pass


class CrossrefUnavailable(DoiLookupError):
    pass


class NoNetwork(CrossrefUnavailable):
    """The server has no connection to Crossref at all."""


def crossref_offline():
    """Whether a connection to Crossref failed within the last minute."""
    return bool(cache.get(OFFLINE_CACHE_KEY))


def doi_checked(value):
    """``value`` as a normalised DOI; raises InvalidDoi, before any network call."""
    doi = normalize_doi(value)
    if is_short_doi(doi):
        raise InvalidDoi(
            f"{doi} is a short DOI, which Crossref cannot look up: open "
            f"https://doi.org/{doi} and enter the full DOI shown there."
        )
    if not is_valid_doi(doi):
        raise InvalidDoi(
            f"{value.strip() or 'An empty value'!s} is not a DOI: enter one of the "
            "form 10.<registrant>/<suffix>, e.g. 10.1038/s41586-024-07624-5."
        )
    return doi


def lookup_change_reason(doi):
    """The history's reason for a study looked up by DOI, within its 100 characters."""
    shown = doi if len(doi) <= 70 else doi[:69] + "…"
    return f"Looked up by DOI {shown} (Crossref)"


def crossref_fetch(doi):
    """Crossref's metadata record (the ``message`` of ``/works/{doi}``) for ``doi``.

    Raises DoiNotFound for a DOI Crossref does not know, CrossrefUnavailable
    when Crossref cannot be reached, times out or answers with an error.
    """
    unreachable = (
        "Crossref could not be reached ({reason}), so the DOI was not looked "
        f"up. Try again later, or {BY_HAND.lower()}"
    )
    no_network = NoNetwork(
        unreachable.format(reason="this server has no network connection to it")
    )
    if crossref_offline():
        raise no_network
    client = Crossref(
        mailto=settings.CROSSREF_MAILTO or None,
        ua_string=USER_AGENT,
        timeout=httpx2.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
    )
    try:
        answer = client.works(ids=doi)
    except httpx2.HTTPStatusError as error:
        if error.response.status_code == 404:
            raise DoiNotFound(
                f"Crossref has no record of the DOI {doi}. Check it for typing "
                "errors; a DOI registered elsewhere (e.g. with DataCite) is not "
                f"in Crossref. {BY_HAND}"
            ) from error
        raise CrossrefUnavailable(
            unreachable.format(reason=f"it answered {error.response.status_code}")
        ) from error
    except (httpx2.ConnectError, httpx2.ConnectTimeout) as error:
        cache.set(OFFLINE_CACHE_KEY, True, OFFLINE_MEMORY_SECONDS)
        raise no_network from error
    except httpx2.TimeoutException as error:
        raise CrossrefUnavailable(
            unreachable.format(reason="it did not answer in time")
        ) from error
    except (httpx2.HTTPError, RequestError, ValueError) as error:
        raise CrossrefUnavailable(
            unreachable.format(reason=type(error).__name__)
        ) from error
    message = answer.get("message") if isinstance(answer, dict) else None
    if not isinstance(message, dict):
        raise CrossrefUnavailable(
            unreachable.format(reason="its answer was not a metadata record")
        )
    return message


def _first(value):
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _abstract(jats):
    """Crossref abstracts are JATS XML: plain paragraphs, section headings run in."""
    text = re.sub(r"<jats:title>\s*Abstract\s*</jats:title>", "", jats or "")
    text = re.sub(r"\s*</jats:title>\s*", ": ", text)  # "Background: …"
    text = re.sub(r"</jats:p>|</p>", "\n\n", text)
    text = plain_text(text)
    paragraphs = [" ".join(part.split()) for part in text.split("\n\n")]
    return "\n\n".join(part for part in paragraphs if part)


def study_fields_from_crossref(message):
    """Study fields from a Crossref work record; design and grading stay blank."""
    authors = []
    for person in message.get("author") or []:
        if person.get("family"):
            name = f"{person['family']}, {person.get('given', '')}".strip(" ,")
            authors.append(clean_line(author_from_text(plain_text(name))))
        elif person.get("name"):
            authors.append(clean_line(person["name"]))
    kind = message.get("type", "")
    journal = _first(message.get("container-title"))
    if kind in ("book", "monograph", "edited-book") and not journal:
        journal = _first(message.get("publisher"))
    year = None
    for key in ("issued", "published", "published-print", "published-online"):
        year = csl_year(message.get(key))
        if year:
            break
    return {
        # Crossref titles carry markup (<i>Psilocybe</i>, <sub>2A</sub>).
        "title": clean_line(_first(message.get("title"))),
        "authors": [author for author in authors if author],
        "year": year,
        "journal": clean_line(journal),
        "volume": clean_line(_first(message.get("volume"))),
        "issue": clean_line(_first(message.get("issue"))),
        "pages": page_range(clean_line(_first(message.get("page")))),
        "doi": normalize_doi(message.get("DOI", "")),
        "abstract": _abstract(message.get("abstract", "")),
    }
