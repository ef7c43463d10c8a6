"""Compile rendered reports into one document: continuous 公文-style page numbers, one font subset per face,
bookmarks and metadata. Parts are PDFs rendered on their own (and stored), so a compiled edition re-renders
nothing that has not changed.

- Page numbers: every report draws its page numbers ("— 1 —") in the ReportFolio face and nothing else in it
  (templates/reports/_report.css). Compiling removes those text runs and writes the document's own numbers in
  the same place: odd pages right, even pages left, one em in from the text block (GB/T 9704). Unnumbered parts
  (cover, 目录) keep no number; the numbers of the other parts run on from 1.
- Fonts: WeasyPrint keeps the source font's glyph ids in every subset, so all parts' text addresses the same
  glyph ids. Compiling replaces each face's per-part subsets by one subset of the union (tasks/reports/subset.py),
  with a subset tag derived from its glyphs (two different subsets never share a tag), and drops the old ones.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from fontTools.ttLib import TTFont
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from tasks.reports.fonts import FOLIO_FAMILY, FONT_OF_FAMILY, FontFile
from tasks.reports.subset import subset_font

FOLIO_PT = 14.0
FOLIO_BASELINE_PT = 34.5  # from the page's bottom edge: 25 mm margin, 7 mm below the text block (CSS)
TEXT_LEFT_PT = 28 * 72 / 25.4
TEXT_RIGHT_PT = (210 - 20) * 72 / 25.4
_BT_BLOCK = re.compile(rb"BT\n.*?ET\n", re.S)
_TF = re.compile(rb"/([A-Za-z0-9_.+-]+) [0-9.]+ Tf")


@dataclass
class Part:
    """One rendered PDF in a compiled document."""

    pdf: bytes
    title: str  # its bookmark
    numbered: bool = True
    unnumbered_first: int = 0  # leading pages that print no number (a cover)
    bookmarks: list[tuple[str, int]] = field(default_factory=list)  # (title, page within the part) below it


@dataclass(frozen=True)
class Compiled:
    pdf: bytes
    starts: list[int]  # first page index (0-based) of each part
    folios: list[int | None]  # the page number printed on each page (None: unnumbered)


def folio_text(number: int) -> str:
    return f"— {number} —"


@dataclass
class _Face:
    """One face across all parts: its glyphs, widths and Unicode map, then its one merged font object."""

    family: str
    widths: dict[int, float] = field(default_factory=dict)
    to_unicode: dict[int, str] = field(default_factory=dict)
    template: DictionaryObject | None = None
    merged: IndirectObject | None = None


def _family_of(font: DictionaryObject) -> str:
    return str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]


def _widths(array: Iterable[object]) -> dict[int, float]:
    """A CIDFont /W array: `c [w1 w2 …]` and `c_first c_last w` entries."""
    items = list(array)
    found: dict[int, float] = {}
    i = 0
    while i < len(items):
        first = int(items[i])  # type: ignore[call-overload]
        nxt = items[i + 1]
        if isinstance(nxt, list | ArrayObject):
            for offset, width in enumerate(nxt):
                found[first + offset] = float(width)
            i += 2
        else:
            for cid in range(first, int(nxt) + 1):  # type: ignore[call-overload]
                found[cid] = float(items[i + 2])  # type: ignore[arg-type]
            i += 3
    return found


def _to_unicode(stream: StreamObject) -> dict[int, str]:
    data = stream.get_data().decode("latin-1")
    found: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for gid, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            found.setdefault(int(gid, 16), bytes.fromhex(text).decode("utf-16-be", errors="replace"))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, start in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            base = int(start, 16)
            for offset, gid in enumerate(range(int(low, 16), int(high, 16) + 1)):
                found.setdefault(gid, chr(base + offset))
    return found


def _resource_dicts(writer: PdfWriter) -> Iterable[DictionaryObject]:
    """Every /Resources dictionary reachable from the pages (page, form XObjects, patterns), once each."""
    seen: set[int] = set()
    stack = [page.get("/Resources") for page in writer.pages]
    while stack:
        resources = stack.pop()
        if resources is None:
            continue
        resources = resources.get_object()
        if id(resources) in seen:
            continue
        seen.add(id(resources))
        yield resources
        for kind in ("/XObject", "/Pattern"):
            for item in (resources.get(kind) or {}).values():
                child = item.get_object()
                if isinstance(child, DictionaryObject) and "/Resources" in child:
                    stack.append(child["/Resources"])


def _strip_folios(content: bytes, folio_names: set[bytes]) -> bytes:
    """Remove the text runs drawn in the folio face (the part's own page numbers)."""

    def drop(block: re.Match[bytes]) -> bytes:
        fonts = set(_TF.findall(block.group(0)))
        return b"" if fonts and fonts <= folio_names else block.group(0)

    return _BT_BLOCK.sub(drop, content)


def _folio_glyphs() -> tuple[dict[str, int], dict[int, float]]:
    font = FONT_OF_FAMILY[FOLIO_FAMILY]
    with TTFont(str(font.path)) as tt:
        order = {name: gid for gid, name in enumerate(tt.getGlyphOrder())}
        scale = 1000 / tt["head"].unitsPerEm
        cmap = {chr(cp): order[name] for cp, name in tt.getBestCmap().items()}
        widths = {order[name]: metrics[0] * scale for name, metrics in tt["hmtx"].metrics.items()}
    return cmap, widths


class _Compiler:
    def __init__(self, parts: list[Part]) -> None:
        self.parts = parts
        self.writer = PdfWriter()
        self.faces: dict[str, _Face] = {}
        self.folio_cmap, self.folio_widths = _folio_glyphs()

    def add_parts(self) -> list[int]:
        starts = []
        for part in self.parts:
            starts.append(len(self.writer.pages))
            reader = PdfReader(io.BytesIO(part.pdf))
            for page in reader.pages:
                self._strip_page(self.writer.add_page(page))
        return starts

    def _strip_page(self, page: object) -> None:
        fonts = page["/Resources"].get("/Font") or {}  # type: ignore[index]
        folio_names = {str(name).lstrip("/").encode() for name, ref in fonts.items()
                       if _family_of(ref.get_object()) == FOLIO_FAMILY}  # fmt: skip
        if not folio_names:
            return
        contents = page.get_contents()  # type: ignore[attr-defined]
        if contents is None:
            return
        stripped = DecodedStreamObject()
        stripped.set_data(_strip_folios(contents.get_data(), folio_names))
        page.replace_contents(stripped)  # type: ignore[attr-defined]

    def collect_fonts(self) -> None:
        seen: set[int] = set()  # a page's form XObjects share its font objects: read each once
        for resources in _resource_dicts(self.writer):
            for ref in (resources.get("/Font") or {}).values():
                if isinstance(ref, IndirectObject):
                    if ref.idnum in seen:
                        continue
                    seen.add(ref.idnum)
                font = ref.get_object()
                if not isinstance(font, DictionaryObject):  # a stamped folio's placeholder
                    continue
                family = _family_of(font)
                if family not in FONT_OF_FAMILY:
                    continue
                face = self.faces.setdefault(family, _Face(family))
                face.template = face.template or font
                descendant = font["/DescendantFonts"][0].get_object()  # type: ignore[index]
                face.widths.update(_widths(descendant.get("/W", [])))
                if "/ToUnicode" in font:
                    for gid, text in _to_unicode(font["/ToUnicode"].get_object()).items():  # type: ignore[arg-type]
                        face.to_unicode.setdefault(gid, text)

    def stamp_folios(self, numbered: list[bool]) -> list[int | None]:
        folios: list[int | None] = []
        number = 0
        for index, page in enumerate(self.writer.pages):
            if not numbered[index]:
                folios.append(None)
                continue
            number += 1
            folios.append(number)
            self._stamp(page, number)
        return folios

    def _stamp(self, page: object, number: int) -> None:
        face = self.faces.setdefault(FOLIO_FAMILY, _Face(FOLIO_FAMILY))
        text = folio_text(number)
        gids = [self.folio_cmap[c] for c in text]
        for char, gid in zip(text, gids, strict=True):
            face.widths[gid] = self.folio_widths[gid]
            face.to_unicode[gid] = char
        width = sum(self.folio_widths[g] for g in gids) * FOLIO_PT / 1000
        x = TEXT_RIGHT_PT - FOLIO_PT - width if number % 2 else TEXT_LEFT_PT + FOLIO_PT
        glyphs = "".join(f"{g:04x}" for g in gids)
        ops = f"q\nBT\n/RFolio {FOLIO_PT:g} Tf\n1 0 0 1 {x:.2f} {FOLIO_BASELINE_PT:.2f} Tm\n<{glyphs}> Tj\nET\nQ\n"
        before, after = DecodedStreamObject(), DecodedStreamObject()
        before.set_data(b"q\n")
        after.set_data(b"\nQ\n" + ops.encode())
        contents = page.get_contents()  # type: ignore[attr-defined]
        joined = DecodedStreamObject()
        joined.set_data(before.get_data() + (contents.get_data() if contents is not None else b"") + after.get_data())
        page.replace_contents(joined)  # type: ignore[attr-defined]
        resources = page["/Resources"].get_object()  # type: ignore[index]
        if "/Font" not in resources:
            resources[NameObject("/Font")] = DictionaryObject()
        resources["/Font"].get_object()[NameObject("/RFolio")] = NameObject("/RFolioPlaceholder")

    def merge_fonts(self) -> None:
        for face in self.faces.values():
            face.merged = self._merged_font(face, FONT_OF_FAMILY[face.family])
        for resources in _resource_dicts(self.writer):
            fonts = resources.get("/Font")
            if fonts is None:
                continue
            fonts = fonts.get_object()
            for name, ref in list(fonts.items()):
                font = ref.get_object()
                family = _family_of(font) if isinstance(font, DictionaryObject) else FOLIO_FAMILY
                if family in self.faces:
                    fonts[NameObject(name)] = self.faces[family].merged

    def _merged_font(self, face: _Face, source: FontFile) -> IndirectObject:
        glyphs = set(face.widths)
        program = subset_font(source.path, glyphs)
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(sorted(glyphs)).encode()).digest()[:6])
        base = NameObject(f"/{tag}+{face.family}")
        is_cff = program[:4] == b"OTTO"
        raw = StreamObject()
        raw.set_data(program)
        font_file = raw.flate_encode()
        font_file[NameObject("/Subtype" if is_cff else "/Length1")] = (
            NameObject("/OpenType") if is_cff else NumberObject(len(program))
        )
        template = face.template
        descriptor = DictionaryObject()
        if template is not None:
            old = template["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()  # type: ignore[index]
            descriptor.update({k: v for k, v in old.items() if not str(k).startswith("/FontFile")})
        else:
            descriptor.update(_default_descriptor())
        descriptor[NameObject("/FontName")] = base
        descriptor[NameObject("/FontFile3" if is_cff else "/FontFile2")] = self.writer._add_object(font_file)
        widths = ArrayObject()
        for gid in sorted(face.widths):
            widths += [NumberObject(gid), ArrayObject([FloatObject(round(face.widths[gid], 3))])]
        cid_font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/CIDFontType0" if is_cff else "/CIDFontType2"),
                NameObject("/BaseFont"): base,
                NameObject("/CIDSystemInfo"): DictionaryObject(
                    {
                        NameObject("/Registry"): TextStringObject("Adobe"),
                        NameObject("/Ordering"): TextStringObject("Identity"),
                        NameObject("/Supplement"): NumberObject(0),
                    }
                ),
                NameObject("/CIDToGIDMap"): NameObject("/Identity"),
                NameObject("/W"): widths,
                NameObject("/FontDescriptor"): self.writer._add_object(descriptor),
            }
        )
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type0"),
                NameObject("/BaseFont"): base,
                NameObject("/Encoding"): NameObject("/Identity-H"),
                NameObject("/DescendantFonts"): ArrayObject([self.writer._add_object(cid_font)]),
                NameObject("/ToUnicode"): self.writer._add_object(_cmap(face.to_unicode)),
            }
        )
        return self.writer._add_object(font)


def _default_descriptor() -> dict[NameObject, object]:
    return {
        NameObject("/Type"): NameObject("/FontDescriptor"),
        NameObject("/Flags"): NumberObject(6),
        NameObject("/FontBBox"): ArrayObject(
            [NumberObject(0), NumberObject(-120), NumberObject(1000), NumberObject(880)]
        ),
        NameObject("/ItalicAngle"): NumberObject(0),
        NameObject("/Ascent"): NumberObject(880),
        NameObject("/Descent"): NumberObject(-120),
        NameObject("/CapHeight"): NumberObject(880),
        NameObject("/StemV"): NumberObject(80),
    }


def _cmap(to_unicode: dict[int, str]) -> StreamObject:
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <ffff>", "endcodespacerange",
    ]  # fmt: skip
    items = sorted(to_unicode.items())
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{gid:04x}> <{text.encode('utf-16-be').hex()}>" for gid, text in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    stream = StreamObject()
    stream.set_data("\n".join(lines).encode())
    return stream.flate_encode()


def _drop_unreachable(writer: PdfWriter) -> None:
    """Forget the objects nothing reaches any more (the parts' own font subsets), so they are not written."""
    objects = writer._objects
    reached: set[int] = set()
    stack: list[object] = [writer.root_object.indirect_reference]
    for kept in (writer._info, getattr(writer, "_ID", None)):
        stack.append(getattr(kept, "indirect_reference", None))
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.pdf is not writer or item.idnum in reached:
                continue
            reached.add(item.idnum)
            stack.append(objects[item.idnum - 1])
        elif isinstance(item, DictionaryObject):
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    for index in range(len(objects)):
        if index + 1 not in reached:
            objects[index] = None


def compile_pdf(*, parts: list[Part], metadata: dict[str, str]) -> Compiled:
    """One PDF from `parts`, in order: continuous page numbers over the numbered parts, one subset per face,
    a bookmark per part (and its own bookmarks below it), the given metadata (/Title, /Author, /Subject …)."""
    compiler = _Compiler(parts)
    starts = compiler.add_parts()
    numbered = []
    for index, part in enumerate(parts):
        end = starts[index + 1] if index + 1 < len(parts) else len(compiler.writer.pages)
        count = end - starts[index]
        skip = min(part.unnumbered_first, count) if part.numbered else count
        numbered += [False] * skip + [True] * (count - skip)
    folios = compiler.stamp_folios(numbered)
    for page in compiler.writer.pages:
        page.compress_content_streams(level=6)
    compiler.collect_fonts()
    compiler.merge_fonts()
    writer = compiler.writer
    for part, first in zip(parts, starts, strict=True):
        parent = writer.add_outline_item(title=part.title, page_number=first)
        for title, offset in part.bookmarks:
            writer.add_outline_item(title=title, page_number=first + offset, parent=parent)
    writer.add_metadata({"/Producer": "村级后备干部 pipeline tracker (WeasyPrint, pypdf)", **metadata})
    _drop_unreachable(writer)
    out = io.BytesIO()
    writer.write(out)
    return Compiled(out.getvalue(), starts, folios)
