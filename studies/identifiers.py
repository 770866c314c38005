"""Normalising and checking the identifiers a study carries (DOI, PMID).

Importers, the admin, the API and the seed all go through these, so that a DOI
typed as ``https://doi.org/10.1000/ABC`` and one imported as ``doi:10.1000/abc``
are recognised as the same study.
"""

import re
import unicodedata

# Crossref's recommended pattern for modern DOIs, extended to the older
# Wiley-style suffixes (e.g. 10.1002/(SICI)1097-...<...>3.0.CO;2-#): a
# registrant code of digits and dots, then any non-space suffix.
DOI_PATTERN = re.compile(r"^10\.\d{4,9}(\.\d+)*/\S+$")
SHORT_DOI_PATTERN = re.compile(r"^10/[a-z0-9]+$")
PMID_PATTERN = re.compile(r"^[1-9]\d{0,9}$")

_DOI_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi.org/",
    "dx.doi.org/",
    "doi:",
    "doi ",
)


def normalize_doi(value: object) -> str:
    """Return ``value`` as a bare, lower-case DOI (``10.x/y``), or ``""``.

    DOIs are case-insensitive by definition, so lower case is the canonical
    stored form. Resolver URLs and ``doi:`` prefixes are stripped; the result
    is not validated (see :func:`is_valid_doi`).
    """
    if not value:
        return ""
    doi = str(value).strip()
    lowered = doi.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            doi = doi[len(prefix) :].strip()
            lowered = doi.lower()
    return lowered.rstrip(".")


def is_valid_doi(value: str | None) -> bool:
    """True for a full DOI in normalised form (``10.<registrant>/<suffix>``)."""
    return bool(DOI_PATTERN.match(value or ""))


def is_short_doi(value: object) -> bool:
    """True for a shortDOI (``10/abc``), which cannot be expanded offline."""
    return bool(SHORT_DOI_PATTERN.match(normalize_doi(value)))


def normalize_pmid(value: object) -> str:
    """Return a PubMed ID as digits only (``PMID: 123`` → ``123``), or ``""``."""
    if value is None:
        return ""
    pmid = str(value).strip()
    if pmid.lower().startswith("pmid"):
        pmid = pmid[4:].lstrip(": ").strip()
    return pmid


def is_valid_pmid(value: str | None) -> bool:
    return bool(PMID_PATTERN.match(value or ""))


def doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}" if doi else ""


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else ""


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSABLE = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ı": "i"}
)


def normalize_title(title: str | None) -> str:
    """A title reduced for duplicate detection: no accents, case or punctuation."""
    text = unicodedata.normalize(
        "NFKD", (title or "").lower().translate(_UNDECOMPOSABLE)
    )
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", " ", text.lower()).strip()
