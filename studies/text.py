"""Text that arrives from outside (citation files, Crossref) made plain.

Exports often carry markup: JATS XML in Crossref abstracts, <i>…</i> around
species names in PubMed titles, stray <script> in a hostile file. Studies store
plain text (pages escape it on output); nh3 removes the markup.
"""

import html

import nh3


def plain_text(value):
    """``value`` without HTML/XML tags (and without script or style contents)."""
    value = value or ""
    if "<" not in value and "&" not in value:
        return value
    return html.unescape(nh3.clean(value, tags=set()))
