"""Claim search and the suggestions of the search page (see studies/search.py)."""

import difflib

from studies.search import search_index, search_words

CLAIM_INDEX = search_index(
    table="evidence_claim",
    title=("statement", "aliases"),
    body=("description",),
)
# How close a word must be to a known word to be offered in its place.
SPELLING_CUTOFF = 0.75


def aliases_cleaned(text: str) -> str:
    """``text`` as one alias a line: stripped, without blank or repeated lines."""
    aliases = []
    for line in (text or "").splitlines():
        alias = " ".join(line.split())
        if alias and alias.casefold() not in {a.casefold() for a in aliases}:
            aliases.append(alias)
    return "\n".join(aliases)


def spelling_suggestion(query: str, vocabulary: set[str]) -> str | None:
    """``query`` with each word unknown to ``vocabulary`` replaced by the
    closest known word, or ``None`` when no word changes."""
    words, changed = search_words(query), False
    for position, word in enumerate(words):
        if word in vocabulary or word.isdigit():
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=SPELLING_CUTOFF)
        if close:
            words[position], changed = close[0], True
    return " ".join(words) if changed else None


def fewer_words_suggestion(query: str, finds) -> str | None:
    """``query`` without the words that find nothing on their own (``finds``
    tells whether a query finds anything), or ``None`` when that leaves it
    whole or empty."""
    words = search_words(query)
    if len(words) < 2:
        return None
    kept = [word for word in words if finds(word)]
    if not kept or len(kept) == len(words):
        return None
    return " ".join(kept)
