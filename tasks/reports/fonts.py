"""Report fonts: where they come from, their installation, and glyph coverage.

The PDF never depends on system fonts. Set-up (`manage.py install_report_fonts`, run by `make fonts`, the
Dockerfile and CI) copies into REPORT_FONT_DIR:

- ReportSans: the Simplified Chinese face of Debian's Noto Sans CJK Regular `.ttc` (its first face is the
  Japanese one, so the SC face is picked by name), extracted with fontTools. Reports print no bold at all: a real
  bold face would cost every render ~30 MB of peak memory and ~15% of its time, and even WeasyPrint's synthetic
  bold embeds a second subset of this face (~30 ms, +150 KB per PDF);
- ReportSerif: the Simplified Chinese face of Noto Serif CJK Regular (same package, fonts-noto-cjk), for titles
  and headings (GB/T 9704 sets titles in a 宋体-like serif); a title character it lacks falls back to
  ReportSans, then ReportSansExtB;
- ReportFolio: the page-number glyphs of ReportSerif only (digits, "—", a few signs), cut out of it at set-up.
  Page numbers ("— 1 —") are drawn in this family and nothing else is, so a compiled edition can find them,
  drop them and number its pages continuously (tasks/reports/compile.py);
- ReportSansExtB: HanaMinB (fonts-hanazono), which covers CJK Extension B and beyond, for rare name characters
  that Noto Sans CJK lacks.

The report CSS loads them by @font-face under these family names. `missing_glyphs` checks printed text against
the union of their character maps so a character no font has is reported (which name, which character), never
silently drawn as a box.
"""

from __future__ import annotations

import functools
import shutil
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from fontTools import subset as ft_subset
from fontTools.ttLib import TTCollection, TTFont

FAMILY = "ReportSans"
SERIF_FAMILY = "ReportSerif"
FOLIO_FAMILY = "ReportFolio"
FALLBACK_FAMILY = "ReportSansExtB"
SYSTEM_FONT_DIRS = [Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/hanazono")]
# What page numbers print: 公文 style "— 12 —".
FOLIO_TEXT = "0123456789— "


@dataclass(frozen=True)
class FontFile:
    """One font file the reports use: its CSS family/weight, its file name, and where set-up finds it."""

    family: str
    weight: int
    filename: str
    source: str  # a file name in SYSTEM_FONT_DIRS, or (cut_from) the file name of another report font
    face_name: str = ""  # for a .ttc: the face to extract (by full name)
    cut_from: str = ""  # family of the report font this one is a glyph subset of (with `source` its file name)
    text: str = ""  # for a cut: the characters it keeps

    @property
    def path(self) -> Path:
        return font_dir() / self.filename


FONT_FILES: tuple[FontFile, ...] = (
    FontFile(FAMILY, 400, "ReportSans-Regular.otf", "NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    FontFile(SERIF_FAMILY, 400, "ReportSerif-Regular.otf", "NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    FontFile(FOLIO_FAMILY, 400, "ReportFolio.otf", "ReportSerif-Regular.otf", cut_from=SERIF_FAMILY, text=FOLIO_TEXT),
    FontFile(FALLBACK_FAMILY, 400, "ReportSansExtB.ttf", "HanaMinB.ttf"),
)
FONT_OF_FAMILY: dict[str, FontFile] = {font.family: font for font in FONT_FILES}


@dataclass(frozen=True)
class MissingGlyph:
    """A character of some printed text (e.g. a person's name) that no report font can draw."""

    label: str
    char: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    def __str__(self) -> str:
        return f"{self.label}：字符“{self.char}”（{self.codepoint}）无可用字形"


def font_dir() -> Path:
    return Path(settings.REPORT_FONT_DIR)


def _find_source(name: str) -> Path:
    for directory in SYSTEM_FONT_DIRS:
        if (directory / name).exists():
            return directory / name
    raise FileNotFoundError(f"{name} not found in {', '.join(map(str, SYSTEM_FONT_DIRS))}: run `make system-deps`")


def _extract_face(collection_path: Path, face_name: str, target: Path) -> None:
    collection = TTCollection(str(collection_path), lazy=True)
    for face in collection.fonts:
        if face["name"].getDebugName(4) == face_name:
            face.save(str(target))
            return
    raise LookupError(f"face {face_name!r} not in {collection_path}")


def _cut(source: Path, text: str, target: Path) -> None:
    """Keep only the glyphs of `text` (and .notdef) of a font: the page-number face. Glyph ids are kept (the
    CID-keyed charset stays the identity), as in every subset WeasyPrint embeds: viewers that select glyphs by
    CID and viewers that select them by glyph id then draw the same glyph."""
    options = ft_subset.Options(
        hinting=False, desubroutinize=True, name_IDs=["*"], notdef_outline=True, retain_gids=True
    )
    options.layout_features = []
    with TTFont(str(source)) as font:
        subsetter = ft_subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        font.save(str(target))


def install_fonts(*, force: bool = False) -> list[Path]:
    """Copy, extract or cut every report font into REPORT_FONT_DIR (idempotent). Returns the files written."""
    font_dir().mkdir(parents=True, exist_ok=True)
    written = []
    for font in FONT_FILES:
        if font.path.exists() and not force:
            continue
        partial = font.path.with_suffix(".partial")
        if font.cut_from:
            _cut(FONT_OF_FAMILY[font.cut_from].path, font.text, partial)
        elif font.face_name:
            _extract_face(_find_source(font.source), font.face_name, partial)
        else:
            shutil.copyfile(_find_source(font.source), partial)
        partial.replace(font.path)  # atomic: a worker never loads a half-written font
        written.append(font.path)
    codepoints_of.cache_clear()
    covered_codepoints.cache_clear()
    return written


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts with HarfBuzz only when libharfbuzz-subset is loadable (25x faster than fontTools)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def problems() -> list[str]:
    """What stops reports from rendering correctly and fast on this machine (empty when all is well)."""
    found = [f"缺少报告字体 {font.path}（运行 make fonts）" for font in FONT_FILES if not font.path.exists()]
    if not harfbuzz_subset_available():
        found.append("缺少 libharfbuzz-subset（Debian 包 libharfbuzz-subset0）：PDF 生成将慢约 25 倍")
    return found


@functools.cache
def codepoints_of(font: FontFile) -> frozenset[int]:
    """The code points one font maps (read once per process; only the cmap table is parsed)."""
    with TTFont(str(font.path), lazy=True) as ttfont:
        return frozenset(ttfont.getBestCmap())


@functools.cache
def covered_codepoints() -> frozenset[int]:
    """Union of the code points the report fonts map (computed once per process: ~200,000 entries)."""
    return frozenset().union(*(codepoints_of(font) for font in FONT_FILES))


def faces_for(texts: Iterable[str]) -> list[FontFile]:
    """The font files a document needs: ReportSans, ReportSerif and ReportFolio always; the Extension B face (30 MB
    to load) only when some printed text has a character ReportSans lacks. Keeps a worker's memory down."""
    main = codepoints_of(FONT_FILES[0])
    needs_fallback = any(ord(char) not in main for text in texts for char in text if _needs_glyph(char))
    return [font for font in FONT_FILES if font.family != FALLBACK_FAMILY or needs_fallback]


def _needs_glyph(char: str) -> bool:
    # Spaces, controls and format characters (e.g. zero-width joiners) are never drawn as glyphs. Unassigned
    # ("Cn") counts: characters newer than this Python's Unicode tables (CJK Extension H) are still names.
    return not char.isspace() and unicodedata.category(char) not in {"Cc", "Cf", "Zs", "Zl", "Zp"}


def missing_glyphs(texts: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[MissingGlyph]:
    """Characters of the given (label → text) pairs that no report font covers, once per (label, char), in order."""
    covered = covered_codepoints()
    pairs = texts.items() if isinstance(texts, Mapping) else texts
    found: dict[tuple[str, str], MissingGlyph] = {}
    for label, text in pairs:
        for char in text:
            if _needs_glyph(char) and ord(char) not in covered:
                found.setdefault((label, char), MissingGlyph(label, char))
    return list(found.values())
