"""User text made safe for every output: names and titles are data, never markup, math or layout orders.

Three kinds of character can break an output or mislead its reader:

* control characters (U+0000–U+001F, U+007F–U+009F) and the line and paragraph separators: XML 1.0
  cannot hold most of them at all (an SVG or GraphML file with one is not well-formed), and a line
  break inside a box label breaks the box;
* noncharacters (U+FDD0–U+FDEF and every code point ending in FFFE or FFFF) and lone surrogates: XML
  refuses them, UTF-8 cannot encode a lone surrogate;
* bidirectional embeddings and overrides (U+202A–U+202E): an "RTL override" in a name makes a viewer
  draw the rest of the label backwards, which can make a name look like another.

Images show each such character as U+FFFD (a visible "something was here"). The isolates U+2066–U+2069
and the marks U+200E, U+200F, U+061C, which right-to-left names need, are kept: an SVG's reader honours
them, and the painters that know no bidirectional order (cairo, matplotlib) draw a line as
:func:`visual_text` has it, reordered and shaped, the isolates honoured, then dropped. Graph files keep the data
where their format can carry it — JSON as ``\\uXXXX`` escapes, XML bidirectional controls as character
references — and replace what XML cannot carry with U+FFFD. Matplotlib's math (``$...$``) is switched
off where text is drawn (see ``rendering.draw``), so no character needs escaping for it here.

>>> display_text("王总\\u202e\\u0001\\n$x$")
'王总�� $x$'
>>> xml_text("a\\u0000b\\ufffec\\u202ed")
'a�b�c\\u202ed'
>>> json_safe('"\\u202e\\ufffe"')
'"\\\\u202e\\\\ufffe"'
"""

from __future__ import annotations

import functools
import re

from arabic_reshaper import ArabicReshaper
from bidi import get_display

REPLACEMENT = "\ufffd"

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_OVERRIDES = "\u202a-\u202e"
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
_SURROGATES = "\ud800-\udfff"
_SPACES = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_DISPLAY_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_OVERRIDES}{_NONCHARACTERS}{_SURROGATES}]")
_ISOLATES_AND_MARKS = re.compile("[\u061c\u200e\u200f\u2066-\u2069]")
# Letters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko…, their presentation forms, and
# the right-to-left blocks beyond the BMP).
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")
# What XML 1.0 cannot hold at all (tab, newline and carriage return it can), plus noncharacters.
_XML_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_NONCHARACTERS}{_SURROGATES}]")
_XML_BIDI = re.compile(f"[{_BIDI}]")
# Characters a JSON text may hold raw but a reader should see escaped.
_JSON_ESCAPED = re.compile(f"[{_BIDI}{_NONCHARACTERS}{_SURROGATES}\u2028\u2029]")


def display_text(text: str) -> str:
    """One line of user text as an image draws it: separators become spaces, other control characters,
    noncharacters and bidirectional embeddings and overrides become U+FFFD (isolates and marks are kept).
    Text with none of them (every character
    printable: all of them are control, format, separator, surrogate or unassigned characters) is returned
    as it is, without the two searches (most names and titles)."""
    if text.isprintable():
        return text
    return _DISPLAY_UNSAFE.sub(REPLACEMENT, _SPACES.sub(" ", text))


def visual_text(text: str) -> str:
    """One line of display text (:func:`display_text`'s) in the order and the letter forms a painter that
    knows neither (cairo's show_text, matplotlib's) must draw it: right-to-left runs reversed (the Unicode
    bidirectional algorithm, isolates honoured), Arabic-script letters in their joined forms, and then
    the isolates and marks dropped (no font draws them). Text with no right-to-left letter keeps its order.

    >>> visual_text("مدير") == "\ufeae\ufef3\ufeaa\ufee3"     # ر ي د م: joined, right to left
    True
    >>> visual_text("\u2067مدير\u2069 (Urumqi)")[-9:], visual_text("王\u200e总")
    (' (Urumqi)', '王总')
    """
    if text.isascii():
        return text
    if _RIGHT_TO_LEFT.search(text) is not None:
        text = get_display(_reshaper().reshape(text))
    return _ISOLATES_AND_MARKS.sub("", text)


@functools.cache
def _reshaper() -> ArabicReshaper:
    """The Arabic-script letters' joined forms, keeping the vowel marks (harakat) the data has."""
    return ArabicReshaper(configuration={"delete_harakat": False})


def xml_text(text: str) -> str:
    """Text an XML 1.0 document can hold: what it cannot becomes U+FFFD (bidirectional controls are
    kept here and written as character references by :func:`xml_escape_bidi`)."""
    return _XML_UNSAFE.sub(REPLACEMENT, text)


def xml_escape_bidi(document: bytes) -> bytes:
    """An XML document (UTF-8) with its bidirectional controls written as character references, which
    parse back to the same characters but never reorder the file as shown in an editor."""
    text = document.decode("utf-8")
    return _XML_BIDI.sub(lambda m: f"&#x{ord(m.group()):04X};", text).encode("utf-8")


def json_safe(text: str) -> str:
    """A JSON text with bidirectional controls, noncharacters, lone surrogates and the JavaScript line
    separators written as ``\\uXXXX`` escapes (the same data once parsed)."""

    def escape(m: re.Match[str]) -> str:
        code = ord(m.group())
        if code > 0xFFFF:                         # a surrogate pair, as JSON writes astral characters
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return _JSON_ESCAPED.sub(escape, text)
