"""The CJK-capable font the maps are drawn with, found without any system package.

The font is Noto Sans SC (SIL Open Font License 1.1, from notofonts/noto-cjk), shipped on PyPI as the
data-only package ``pylopdf-fonts-zh-cn`` (a project dependency). It is registered with matplotlib's font
manager (which names its family; the review deck's chart and PDF draw with matplotlib) and handed to
fontconfig by ``rendering.scene`` the first time cairo paints a map. If the package is missing, a CJK font
the system already has is used; if there is none either, DejaVu Sans (Chinese then shows as empty boxes,
and a warning is logged). Characters the font lacks are drawn in the first fallback font that has them
(``fallback_fonts``): rare hanzi of the CJK extensions (陈𠀋, 林𠮷) in Noto Sans CJK JP, the pan-CJK
Noto Sans (OFL 1.1, PyPI ``noto-cjk-sans-jp-regular``: every ideograph of the Chinese, Hong Kong, Taiwan,
Japanese and Korean standards, some 2,100 of Extension B among them), and the rest (Polish ł, say) in
DejaVu Sans, which matplotlib ships. Matplotlib falls back by itself; cairo, which draws with one font at a
time, draws such a text in runs (``font_runs``, ``fallback_family``). A character no font has shows as an
empty box, and a warning naming it is logged. Text widths come from the font files' own advances
(``text_width``), the same for the layout and every painter.

SVG keeps text as text and carries its own font: ``svg_font_faces`` embeds, as ``@font-face`` rules with
``data:`` URLs, a subset of the map font (and of each fallback font, for what it lacks) holding only the
characters the SVG draws, so a browser with no CJK font installed shows the Chinese; the ``font-family``
then lists common CJK fonts after those, for a viewer that ignores embedded fonts.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib import font_manager

log = logging.getLogger("guanxi.maps")

# Families a viewer of an SVG may have, after ours; the last is CSS's generic family.
SVG_FALLBACKS = ("Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN",
                 "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei",
                 "DejaVu Sans", "Arial", "sans-serif")
# System CJK families tried when the packaged font is missing.
_SYSTEM_CJK = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
               "WenQuanYi Zen Hei", "Droid Sans Fallback", "AR PL UMing CN")
# Matplotlib's own font, used for any glyph the CJK fonts lack (Polish ł, rare symbols).
LATIN_FALLBACK = "DejaVu Sans"
# The pan-CJK font drawing the rare hanzi the map font lacks (its Japanese edition, the one on PyPI: an
# ideograph of the extensions has one shape in every edition).
CJK_FALLBACK = "Noto Sans CJK JP"


@dataclass(frozen=True)
class MapFont:
    family: str              # the family name matplotlib knows it by
    path: Path | None        # the font file (None: only DejaVu Sans is available)


@dataclass(frozen=True)
class FallbackFont:
    family: str              # the family name matplotlib and fontconfig know it by
    path: Path               # the font file
    embedded: str            # the family its subset is named by in an SVG (``svg_font_faces``)


_lock = threading.Lock()
_font: MapFont | None = None


def packaged_font_path() -> Path | None:
    """The Noto Sans SC file of the ``pylopdf-fonts-zh-cn`` package, if installed."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


def map_font() -> MapFont:
    """The font maps are drawn with, registered with matplotlib once per process."""
    global _font
    with _lock:
        if _font is None:
            _font = _find_font()
        return _font


def _find_font() -> MapFont:
    path = packaged_font_path()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        return MapFont(font_manager.FontProperties(fname=str(path)).get_name(), path)
    by_name = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in _SYSTEM_CJK:
        if family in by_name:
            log.warning("maps: pylopdf-fonts-zh-cn is not installed; using the system font %s", family)
            return MapFont(family, Path(by_name[family]))
    log.warning("maps: no CJK font found (install pylopdf-fonts-zh-cn): Chinese will not render")
    return MapFont(LATIN_FALLBACK, None)


def cjk_fallback_path() -> Path | None:
    """The Noto Sans CJK JP file of the ``noto-cjk-sans-jp-regular`` package, if installed."""
    try:
        import noto_cjk_sans_jp_regular
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_jp_regular.FONT_PATH))
    return path if path.is_file() else None


_fallbacks: list[FallbackFont] | None = None


def fallback_fonts() -> list[FallbackFont]:
    """The fonts drawing what the map font lacks, in the order tried: Noto Sans CJK JP (if installed,
    registered with matplotlib once per process), then DejaVu Sans (if matplotlib's file is there)."""
    global _fallbacks
    with _lock:
        if _fallbacks is None:
            found = []
            cjk = cjk_fallback_path()
            if cjk is not None:
                font_manager.fontManager.addfont(str(cjk))
                found.append(FallbackFont(CJK_FALLBACK, cjk, EMBEDDED_CJK_FALLBACK))
            else:
                log.warning("maps: noto-cjk-sans-jp-regular is not installed; rare hanzi (CJK extensions) "
                            "will show as empty boxes")
            latin = fallback_font_path()
            if latin.is_file():
                found.append(FallbackFont(LATIN_FALLBACK, latin, EMBEDDED_FALLBACK))
            _fallbacks = found
        return _fallbacks


def font_families() -> list[str]:
    """The family list for matplotlib: ours first, then the fallback fonts for what it lacks."""
    family = map_font().family
    return [family] + [f.family for f in fallback_fonts() if f.family != family]


def svg_font_family(embedded: Sequence[str] = ()) -> str:
    """The CSS ``font-family`` value written into SVG text: the ``embedded`` families first (see
    ``svg_font_faces``), then the map font's and common CJK fonts."""
    names = [*embedded, map_font().family] + [f for f in SVG_FALLBACKS if f != map_font().family]
    return ", ".join(n if n == "sans-serif" else f"'{n}'" for n in names)


# The families an SVG's embedded subsets are named by (not a font's own name: an installed Noto Sans SC
# is not shadowed by a subset of a few glyphs).
EMBEDDED_FAMILY = "Guanxi Map Sans"
EMBEDDED_CJK_FALLBACK = "Guanxi Map Sans CJK Fallback"
EMBEDDED_FALLBACK = "Guanxi Map Sans Fallback"


def svg_font_faces(text: str) -> tuple[str, list[str]]:
    """``@font-face`` rules embedding the glyphs of ``text`` (as WOFF ``data:`` URLs): a subset of the
    map font and, when it lacks some of the characters, of the fallback font drawing each of those (Noto
    Sans CJK JP for 𠀋, DejaVu Sans for Polish ł); and the families they define, in the order for
    ``font-family``. No rules when there is no map font file."""
    font = map_font()
    chars = "".join(sorted({ch for ch in text if ch.isprintable()} | {" "}))
    if font.path is None:
        return "", []
    rules, families = [], []
    has = _font_advances()
    by_font: dict[int, str] = {}
    for ch in chars:
        if ord(ch) not in has and (index := _fallback_index(ch)) is not None:
            by_font[index] = by_font.get(index, "") + ch
    wanted_fonts = [(font.path, EMBEDDED_FAMILY, chars)]
    wanted_fonts += [(f.path, f.embedded, by_font.get(i, "")) for i, f in enumerate(fallback_fonts())]
    for path, family, wanted in wanted_fonts:
        if not wanted.strip():
            continue
        data = base64.b64encode(_woff_subset(str(path), wanted)).decode("ascii")
        rules.append(f"@font-face {{ font-family: '{family}'; "
                     f"src: url(data:font/woff;base64,{data}) format('woff'); }}")
        families.append(family)
    return "\n".join(rules), families


@functools.lru_cache(maxsize=16)
def _woff_subset(path: str, chars: str) -> bytes:
    """A font file cut down to the glyphs of ``chars``, as WOFF: horizontal text only (no layout or
    vertical tables), no hinting. About 0.15 s for the furniture map's 400 characters, 0.5 s for a
    1,000-person map's 900; kept for the same characters."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, recalcBBoxes=False)      # the font's own bounds: measuring each glyph again is slow
    for tag in ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx", "DSIG"):
        if tag in font:
            del font[tag]        # not read at all (decoding the CJK font's layout tables is most of the cost)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    font.flavor = "woff"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------- metrics

_metrics_lock = threading.Lock()
_advances: dict[int, float] | None = None
_fallback_advances: list[dict[int, float]] | None = None


def fallback_font_path() -> Path:
    """DejaVu Sans as matplotlib ships it: it draws what the map font lacks (Polish ł, say)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def _read_advances(path: Path) -> dict[int, float]:
    """Advance widths in em of a font file's characters."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    per_em = float(font["head"].unitsPerEm)
    metrics = font["hmtx"].metrics
    return {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items() if glyph in metrics}


def _font_advances() -> dict[int, float]:
    """Advance widths in em of the map font's characters, read once from the font file (none when
    only DejaVu Sans is available)."""
    global _advances
    with _metrics_lock:
        if _advances is None:
            path = map_font().path
            _advances = _read_advances(path) if path is not None else {}
        return _advances


def _fallback_font_advances() -> list[dict[int, float]]:
    """Advance widths in em of each fallback font's characters (``fallback_fonts``' order), read once,
    the first time a character the map font lacks is met."""
    global _fallback_advances
    fallbacks = fallback_fonts()
    with _metrics_lock:
        if _fallback_advances is None:
            _fallback_advances = [_read_advances(f.path) for f in fallbacks]
        return _fallback_advances


def _fallback_index(ch: str) -> int | None:
    """The index in ``fallback_fonts`` of the first fallback font that has ``ch`` (None: none has)."""
    code = ord(ch)
    return next((i for i, advances in enumerate(_fallback_font_advances()) if code in advances), None)


def fallback_family(run: str) -> str:
    """The family a run of ``font_runs`` the map font lacks is drawn in: the fallback font that has its
    characters (DejaVu Sans when none has).

    >>> fallback_family("𠀋"), fallback_family("ł")
    ('Noto Sans CJK JP', 'DejaVu Sans')
    """
    index = _fallback_index(run[0])
    return LATIN_FALLBACK if index is None else fallback_fonts()[index].family


@functools.cache
def _lacking() -> re.Pattern[str]:
    """A character the map font lacks (one search in C per text: a map draws tens of thousands)."""
    ranges: list[tuple[int, int]] = []
    for code in sorted(_font_advances()):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return re.compile("[^" + "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                                     for a, b in ranges) + "]")


def font_runs(text: str) -> list[tuple[str, bool]] | None:
    """``text`` cut where the font drawing it changes: runs of (text, drawn by a fallback font: the one
    ``fallback_family`` names); None when the map font draws all of it (nearly always: Noto Sans SC has
    ASCII, Chinese, Japanese kana and most Latin letters). Painters that draw with one font at a time
    (cairo) switch fonts between runs.

    >>> font_runs("王磊"), font_runs("Michał"), font_runs("陈𠀋ł")
    (None, [('Micha', False), ('ł', True)], [('陈', False), ('𠀋', True), ('ł', True)])
    """
    if text.isascii() or map_font().path is None or _lacking().search(text) is None:
        return None
    has = _font_advances()
    runs: list[tuple[str, bool]] = []
    last: int | None = -1                       # the font of the last run: -1 the map font, else a fallback's index
    for ch in text:
        font = -1 if ord(ch) in has else _fallback_index(ch)
        if runs and font == last:
            runs[-1] = (runs[-1][0] + ch, runs[-1][1])
        else:
            runs.append((ch, font != -1))
        last = font
    return runs


def _estimate(ch: str) -> float:
    """A character's width in em when neither font has a glyph for it (an empty box is drawn)."""
    import unicodedata

    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return 0.3 if ch in "iljtf.,:;!|'() " else 0.68 if ch.isupper() or ch in "mwMW@%" else 0.56


_INVISIBLE = frozenset("\u061c\u200e\u200f\u2066\u2067\u2068\u2069")


class _Widths(dict[str, float]):
    """Each character's width in em, looked up (or estimated, with a warning naming a printable character
    no font has: it shows as an empty box) the first time it is asked for."""

    def __missing__(self, ch: str) -> float:
        width = _font_advances().get(ord(ch))
        if width is None and ch in _INVISIBLE:
            width = 0.0                             # bidirectional isolates and marks: never drawn
        if width is None:
            index = _fallback_index(ch)
            if index is None:
                if ch.isprintable() and map_font().path is not None:
                    log.warning("maps: no font has %s (U+%04X); it is drawn as an empty box", ch, ord(ch))
                width = _estimate(ch)
            else:
                width = _fallback_font_advances()[index][ord(ch)]
        self[ch] = width
        return width


_widths = _Widths()


def char_widths(text: str) -> list[float]:
    """The width in em of each character of ``text``."""
    return list(map(_widths.__getitem__, text))


def text_width(text: str, size: float) -> float:
    """The width in inches of ``text`` drawn at ``size`` points in the map font.

    >>> round(text_width("陈志强", 10), 3), round(text_width("Mark", 10), 3)
    (0.417, 0.322)
    """
    return sum(map(_widths.__getitem__, text)) * size / 72.0
