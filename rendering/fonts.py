"""The CJK-capable font the maps are drawn with, found without any system package.

The font is Noto Sans SC (SIL Open Font License 1.1, from notofonts/noto-cjk), shipped on PyPI as the
data-only package ``pylopdf-fonts-zh-cn`` (a project dependency). It is registered with matplotlib's font
manager (which names its family; the review deck's chart and PDF draw with matplotlib) and handed to
fontconfig by ``rendering.scene`` the first time cairo paints a map. If the package is missing, a CJK font
the system already has is used; if there is none either, DejaVu Sans (Chinese then shows as empty boxes,
and a warning is logged). Characters the font lacks (Polish ł, say) are drawn in DejaVu Sans, which
matplotlib ships: matplotlib falls back by itself, and cairo, which draws with one font at a time, draws
such a text in runs (``font_runs``). Text widths come from the font files' own advances (``text_width``),
the same for the layout and every painter.

SVG keeps text as text and carries its own font: ``svg_font_faces`` embeds, as ``@font-face`` rules with
``data:`` URLs, a subset of the map font (and of DejaVu Sans, for what it lacks) holding only the
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
# Matplotlib's own font, used for any glyph the CJK font lacks (arrows, rare symbols).
LATIN_FALLBACK = "DejaVu Sans"


@dataclass(frozen=True)
class MapFont:
    family: str              # the family name matplotlib knows it by
    path: Path | None        # the font file (None: only DejaVu Sans is available)


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


def font_families() -> list[str]:
    """The family list for matplotlib: ours first, DejaVu Sans for what it lacks."""
    family = map_font().family
    return [family] if family == LATIN_FALLBACK else [family, LATIN_FALLBACK]


def svg_font_family(embedded: Sequence[str] = ()) -> str:
    """The CSS ``font-family`` value written into SVG text: the ``embedded`` families first (see
    ``svg_font_faces``), then the map font's and common CJK fonts."""
    names = [*embedded, map_font().family] + [f for f in SVG_FALLBACKS if f != map_font().family]
    return ", ".join(n if n == "sans-serif" else f"'{n}'" for n in names)


# The families an SVG's embedded subsets are named by (not a font's own name: an installed Noto Sans SC
# is not shadowed by a subset of a few glyphs).
EMBEDDED_FAMILY = "Guanxi Map Sans"
EMBEDDED_FALLBACK = "Guanxi Map Sans Fallback"


def svg_font_faces(text: str) -> tuple[str, list[str]]:
    """``@font-face`` rules embedding the glyphs of ``text`` (as WOFF ``data:`` URLs): a subset of the
    map font and, when it lacks some of the characters (Polish ł), of DejaVu Sans; and the families they
    define, in the order for ``font-family``. No rules when there is no map font file."""
    font = map_font()
    chars = "".join(sorted({ch for ch in text if ch.isprintable()} | {" "}))
    if font.path is None:
        return "", []
    rules, families = [], []
    has = _font_advances()
    lacking = "".join(ch for ch in chars if ord(ch) not in has)
    for path, family, wanted in ((font.path, EMBEDDED_FAMILY, chars), (fallback_font_path(), EMBEDDED_FALLBACK, lacking)):
        if not wanted.strip() or not path.is_file():
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
_fallback_advances: dict[int, float] | None = None


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


def _fallback_font_advances() -> dict[int, float]:
    """Advance widths in em of DejaVu Sans's characters, read once (none if matplotlib's file is gone)."""
    global _fallback_advances
    with _metrics_lock:
        if _fallback_advances is None:
            path = fallback_font_path()
            _fallback_advances = _read_advances(path) if path.is_file() else {}
        return _fallback_advances


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
    """``text`` cut where the map font lacks a character: runs of (text, drawn by DejaVu Sans); None when
    the map font draws all of it (nearly always: Noto Sans SC has ASCII, Chinese, Japanese kana and most
    Latin letters). Painters that draw with one font at a time (cairo) switch fonts between runs.

    >>> font_runs("王磊"), font_runs("Michał")
    (None, [('Micha', False), ('ł', True)])
    """
    if text.isascii() or map_font().path is None or _lacking().search(text) is None:
        return None
    has = _font_advances()
    runs: list[tuple[str, bool]] = []
    for ch in text:
        fallback = ord(ch) not in has
        if runs and runs[-1][1] == fallback:
            runs[-1] = (runs[-1][0] + ch, fallback)
        else:
            runs.append((ch, fallback))
    return runs


def _estimate(ch: str) -> float:
    """A character's width in em when neither font has a glyph for it (an empty box is drawn)."""
    import unicodedata

    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return 0.3 if ch in "iljtf.,:;!|'() " else 0.68 if ch.isupper() or ch in "mwMW@%" else 0.56


class _Widths(dict[str, float]):
    """Each character's width in em, looked up (or estimated) the first time it is asked for."""

    def __missing__(self, ch: str) -> float:
        width = _font_advances().get(ord(ch)) or _fallback_font_advances().get(ord(ch)) or _estimate(ch)
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
