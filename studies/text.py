"""Text that arrives from outside made plain, once, on the way in.

Exports and APIs carry markup: JATS XML in Crossref abstracts, <i>…</i> around
species names, HTML entities, stray <script> in a hostile file, LaTeX in
BibTeX. Studies store plain text as a researcher would write it (pages escape
it on output, exports and third parties get it as stored): entities decoded,
tags removed with nh3, and nothing escaped (``p < 0.05`` stays as written).
``plain_text`` is applied by the model to every save, whatever the entry
point; ``latex_to_text`` by the importers to what BibTeX-style files hold.
"""

import html
import re
import unicodedata

import nh3
from pylatexenc.latex2text import LatexNodes2Text

# Rounds of entity decoding: "&amp;lt;script&amp;gt;" is a tag in disguise too.
_UNESCAPE_ROUNDS = 3
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: object) -> str:
    """``value`` with HTML entities decoded and every tag removed, never escaped.

    Script and style elements go with their contents. Idempotent: cleaning a
    cleaned value changes nothing.
    """
    value = _CONTROL.sub("", str(value or ""))
    if "<" not in value and "&" not in value:
        return value
    for _ in range(_UNESCAPE_ROUNDS):
        decoded = html.unescape(value)
        if decoded == value:
            break
        value = decoded
    if not _TAG_START.search(value):
        return value
    # nh3 escapes the text it keeps ("<" as "&lt;"); one unescape undoes that.
    return html.unescape(nh3.clean(value, tags=set()))


def one_line(value: object) -> str:
    """``value`` as one line, runs of whitespace made single spaces."""
    return " ".join(str(value or "").split())


def clean_line(value: object) -> str:
    """A one-line field (title, journal, author name) made plain."""
    return one_line(plain_text(one_line(value)))


def clean_paragraphs(value: object) -> str:
    """Multi-line text made plain, with its blank-line paragraphs kept."""
    text = plain_text(value)
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return "\n\n".join(one_line(part) for part in paragraphs if part.strip())


# LaTeX ----------------------------------------------------------------------

_SUBSCRIPTS = dict(
    zip(
        "0123456789+-=()aehijklmnoprstuvx",
        "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ",
        strict=True,
    )
)
_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
_LATEX_SIGNS = re.compile(r"[\\$~%{}]|``|''|`")
_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")
_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|(\\?[A-Za-z0-9+\-=()]))")
_SINGLE_QUOTED = re.compile(r"`([^`'\n]+)'")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_latex = LatexNodes2Text(math_mode="text", keep_comments=False)


def _script(match: re.Match[str]) -> str:
    kind, braced, single = match.groups()
    content = braced if braced is not None else single
    if "\\" in content:
        content = _latex.latex_to_text(content)
    # Characters Unicode has no sub- or superscript for stay as they are:
    # receptor names are written in capitals, "5-HT$_{2A}$" is 5-HT₂A.
    table = _SUBSCRIPTS if kind == "_" else _SUPERSCRIPTS
    return "".join(table.get(char, char) for char in content)


def _math(match: re.Match[str]) -> str:
    return _latex.latex_to_text(_SCRIPT.sub(_script, match.group(1)))


def latex_to_text(value: str) -> str:
    """LaTeX markup, accents and math in ``value`` as Unicode.

    ``5-HT$_{2A}$`` → 5-HT₂A, ``$\\alpha$`` → α, ``{\\"u}ber`` → über,
    `` `x' `` → ‘x’, ``50%`` stays 50% (files write it unescaped). A value the
    LaTeX parser cannot read is returned as it is.
    """
    value = str(value or "")
    if not _LATEX_SIGNS.search(value):
        return value
    if not re.search(r"[\\$~%]|``|''|`", value):
        return value.replace("{", "").replace("}", "")
    text = value.replace("``", "“").replace("''", "”")
    text = _SINGLE_QUOTED.sub(r"‘\1’", text)
    text = _BARE_PERCENT.sub(r"\\%", text)
    try:
        text = _MATH.sub(_math, text)
        text = _latex.latex_to_text(text)
    except Exception:  # noqa: BLE001 - whatever the parser trips on, keep the value
        return value
    return unicodedata.normalize("NFC", text.replace("\xa0", " "))
