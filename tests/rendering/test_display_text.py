"""display_text over every code point: separators become spaces; control characters, bidirectional
embeddings and overrides, noncharacters and surrogates become U+FFFD; everything else is kept, the
isolates and marks that right-to-left names need included (a printable text is returned as it is,
without a search: this fails if that shortcut lets one of them through)."""

from __future__ import annotations

from rendering.safe import display_text

SPACES = set("\t\n\r\x0b\x0c\x85\u2028\u2029")
OVERRIDES = set(range(0x202A, 0x202F))


def _replaced(cp: int) -> bool:
    return (cp <= 0x1F or 0x7F <= cp <= 0x9F or cp in OVERRIDES or 0xFDD0 <= cp <= 0xFDEF or cp & 0xFFFE == 0xFFFE
            or 0xD800 <= cp <= 0xDFFF)


def test_every_code_point_is_shown_kept_spaced_or_replaced() -> None:
    kept = 0
    for cp in range(0x110000):
        ch = chr(cp)
        want = " " if ch in SPACES else "\ufffd" if _replaced(cp) else ch
        assert display_text(f"王{ch}a") == f"王{want}a", hex(cp)
        kept += want == ch
    # surrogates, controls, bidirectional embeddings and overrides, noncharacters, the separators U+2028, U+2029
    assert 0x110000 - kept == 2048 + 65 + 5 + 32 + 34 + 2
