"""Font subsetting with HarfBuzz, keeping glyph ids: the subset a compiled edition embeds once for all its parts.

WeasyPrint subsets every font of a PDF with HarfBuzz and keeps the original glyph ids
(HB_SUBSET_FLAGS_RETAIN_GIDS), so the text of every report we render addresses glyphs by their id in the
source font (the files in REPORT_FONT_DIR). A compiled edition can therefore replace the many subsets of its
parts with one subset holding the union of their glyphs, without touching a single text operator.

WeasyPrint's own bindings leave out the calls that open a font file, so this module binds the few it needs from
the same shared libraries (libharfbuzz, libharfbuzz-subset: the worker refuses to start without the latter).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cffi import FFI

_ffi = FFI()
_ffi.cdef(
    """
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    typedef uint32_t hb_codepoint_t;
    typedef uint32_t hb_tag_t;
    hb_blob_t *hb_blob_create_from_file (const char *file_name);
    void hb_blob_destroy (hb_blob_t *blob);
    const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
    hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
    void hb_face_destroy (hb_face_t *face);
    hb_blob_t *hb_face_reference_blob (hb_face_t *face);
    void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
    hb_tag_t hb_tag_from_string (const char *str, int len);
    hb_subset_input_t *hb_subset_input_create_or_fail (void);
    void hb_subset_input_destroy (hb_subset_input_t *input);
    hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
    hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
    void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned value);
    hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
    """
)
RETAIN_GIDS, DESUBROUTINIZE, NO_HINTING, PASSTHROUGH = 0x2, 0x4, 0x1, 0x20
DROP_TABLE_TAG = 3
DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")
_lock = threading.Lock()


class SubsetError(RuntimeError):
    """HarfBuzz could not subset a report font."""


@functools.cache
def _libraries() -> tuple[Any, Any]:
    return _ffi.dlopen("libharfbuzz.so.0"), _ffi.dlopen("libharfbuzz-subset.so.0")


@functools.cache
def _face(path: str) -> Any:
    """The font file opened once per process (HarfBuzz maps it; a CJK face is 16–25 MB)."""
    hb, _ = _libraries()
    blob = hb.hb_blob_create_from_file(path.encode())
    return hb.hb_face_create(blob, 0)


def _subset_once(face: Any, glyphs: Iterable[int], flags: int) -> Any:
    hb, hbs = _libraries()
    subset_input = _ffi.gc(hbs.hb_subset_input_create_or_fail(), hbs.hb_subset_input_destroy)
    glyph_set = hbs.hb_subset_input_glyph_set(subset_input)
    for gid in glyphs:
        hb.hb_set_add(glyph_set, gid)
    hbs.hb_subset_input_set_flags(subset_input, flags)
    drop = hbs.hb_subset_input_set(subset_input, DROP_TABLE_TAG)
    for tag in DROPPED_TABLES:
        hb.hb_set_add(drop, hb.hb_tag_from_string(tag, -1))
    result = hbs.hb_subset_or_fail(face, subset_input)
    if result == _ffi.NULL:
        raise SubsetError("HarfBuzz 无法对报告字体取子集")
    return _ffi.gc(result, hb.hb_face_destroy)


def subset_font(path: Path, glyphs: set[int]) -> bytes:
    """The font at `path` reduced to `glyphs` (and .notdef), glyph ids unchanged: WeasyPrint's two passes."""
    hb, _ = _libraries()
    wanted = sorted(glyphs | {0})
    with _lock:  # one subsetting at a time per process: the cached faces are shared between threads
        first = _subset_once(_face(str(path)), wanted, RETAIN_GIDS | PASSTHROUGH | DESUBROUTINIZE)
        final = _subset_once(first, range(max(wanted) + 1), PASSTHROUGH | DESUBROUTINIZE | NO_HINTING)
        blob = hb.hb_face_reference_blob(final)
        length = _ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(blob, length)
        content = bytes(_ffi.buffer(data, length[0]))
        hb.hb_blob_destroy(blob)
    if not content:
        raise SubsetError(f"HarfBuzz 对 {path.name} 取子集的结果为空")
    return content
