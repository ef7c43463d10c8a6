"""Helpers shared by the report tests: a village with a full roster, PDF inspection, hidden system fonts."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from reserves.models import DevelopmentMeasure
from tests import factories as f
from villages.choices import Education, Gender, Post

ROOT = Path(__file__).resolve().parent.parent
# 𠀁 (U+20001, Extension B) is missing from Noto Sans CJK: it must come from the ReportSansExtB fallback.
RARE_NAMES = ["王喆", "李堃", "陈赟", "赵珺", "刘昇", "龚䶮", "张𠇔", "刘𠀁"]

HIDDEN_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""


def populate_village(village, *, election_on: dt.date = dt.date(2026, 12, 31), group_leaders: int = 3) -> dict:
    """A committee with rare-character names, group leaders, a reserve with training; returns the people."""
    village.planned_election_on = election_on
    village.save()
    people: dict[str, Any] = {}  # name → Person, and "reserve" → the Reserve
    committee = [
        ("王喆", Post.PARTY_SECRETARY, dt.date(1964, 1, 5), Gender.MALE),
        ("李堃", Post.DIRECTOR, dt.date(1980, 12, 31), Gender.MALE),
        ("陈赟", Post.PARTY_MEMBER, dt.date(1995, 7, 1), Gender.MALE),
        ("赵珺", Post.COMMITTEE_MEMBER, dt.date(1990, 2, 2), Gender.FEMALE),
        ("刘昇", Post.COMMITTEE_MEMBER, dt.date(1970, 3, 3), Gender.MALE),
        ("龚䶮", Post.CLERK, dt.date(1988, 8, 8), Gender.MALE),
        ("张𠇔", Post.DEPUTY_DIRECTOR, dt.date(1975, 5, 5), Gender.MALE),
        ("刘𠀁", Post.SUPERVISION_MEMBER, dt.date(1972, 6, 6), Gender.MALE),
    ]
    for name, post, birth, gender in committee:
        person = f.PersonFactory(
            name=name, home_village=village, birth_date=birth, gender=gender, education=Education.JUNIOR_HIGH
        )
        f.PostAssignmentFactory(person=person, village=village, post=post)
        people[name] = person
    for number in range(1, group_leaders + 1):
        group = f.GroupFactory(village=village, number=number)
        leader = f.PersonFactory(name=f"社长{number:02d}", home_village=village, birth_date=dt.date(1950, 1, 1))
        f.PostAssignmentFactory(person=leader, village=village, post=Post.GROUP_LEADER, group=group)
    reserve = f.ReserveFactory.create(
        person=f.PersonFactory.create(name="龚䶮备", home_village=village, birth_date=dt.date(1996, 4, 4))
    )
    DevelopmentMeasure.objects.create(
        reserve=reserve, kind="training", description="专修班", starts_on=dt.date(2025, 3, 1)
    )
    f.EnrollmentFactory(person=reserve.person, training_class=f.TrainingClassFactory(county=village.township.county))
    people["reserve"] = reserve
    return people


def pdf_fonts(pdf_path: Path) -> set[str]:
    reader = PdfReader(pdf_path)
    names = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def pdf_text(pdf_path: Path, *, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else []) + [str(pdf_path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def glyph_ids_of(pdf_path: Path) -> dict[str, set[int]]:
    """Character → glyph ids that draw it, read from every font's ToUnicode CMap (gid 0 = .notdef, a box)."""
    found: dict[str, set[int]] = {}
    for page in PdfReader(pdf_path).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            if "/ToUnicode" not in font:
                continue
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for gid, uni in re.findall(r"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>", cmap):
                text = bytes.fromhex(uni).decode("utf-16-be", errors="replace")
                found.setdefault(text, set()).add(int(gid, 16))
    return found


def render_with_system_fonts_hidden(html: str, tmp_path: Path) -> tuple[Path, list[str], str]:
    """Render `html` through the product's renderer in a subprocess that sees no system font at all.

    Returns (pdf path, characters drawn as .notdef, what `fc-list` sees in that environment).
    """
    conf = tmp_path / "fonts.conf"
    conf.write_text(HIDDEN_FONTS_CONF.format(cache=tmp_path / "fc-cache"))
    (tmp_path / "report.html").write_text(html)
    pdf = tmp_path / "report.pdf"
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    script = (
        "import json, sys, django; django.setup()\n"
        "from tasks.reports.render import html_to_pdf\n"
        "boxes = []\n"
        "pdf = html_to_pdf(open(sys.argv[1]).read(), on_notdef=boxes.append)\n"
        "open(sys.argv[2], 'wb').write(pdf)\n"
        "print(json.dumps(boxes))\n"
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "report.html"), str(pdf)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    fc = subprocess.run(["fc-list"], env=env, capture_output=True, text=True).stdout
    return pdf, json.loads(done.stdout.strip().splitlines()[-1]), fc


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Publish report tasks to `url` (not eagerly) for the duration; restores the app's broker afterwards."""
    from backend.celery import app

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None  # bound to the broker it first connected to

    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
        reset_pools()


# ---- reading a rendered PDF back (layout, page numbers, fonts) ----

FOLIO = re.compile(r"—\s*(\d+)\s*—")


def bbox_pages(pdf_path: Path) -> list[dict]:
    """Per page: {"lines": [[block lines…]…], "words": [(text, xmin, ymin, xmax, ymax)…]} from pdftotext."""
    import xml.etree.ElementTree as ET

    raw = subprocess.run(["pdftotext", "-bbox-layout", str(pdf_path), "-"], check=True, capture_output=True).stdout
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(raw)
    pages = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        blocks, words = [], []
        for block in page.iterfind(".//x:block", ns):
            lines = []
            for line in block.iterfind("x:line", ns):
                texts = []
                for word in line.iterfind("x:word", ns):
                    texts.append(word.text or "")
                    box = [float(word.get(k) or 0) for k in ("xMin", "yMin", "xMax", "yMax")]
                    words.append((word.text or "", *box))
                lines.append("".join(texts))
            blocks.append(lines)
        pages.append({"blocks": blocks, "words": words, "height": float(page.get("height") or 0)})
    return pages


def folios(pdf_path: Path) -> list[int | None]:
    """The page number printed at the foot of each page ("— 7 —"), None where there is none."""
    found = []
    for page in bbox_pages(pdf_path):
        bottom = [w for w in page["words"] if w[2] > page["height"] - 60]
        text = "".join(w[0] for w in sorted(bottom, key=lambda w: w[1]))
        match = FOLIO.search(text)
        found.append(int(match.group(1)) if match else None)
    return found


def font_sizes_pt(pdf_path: Path) -> list[float]:
    """Every text size the PDF sets (Tf operands), in points (WeasyPrint draws in CSS px under a 0.75 scale)."""
    sizes = []
    reader = PdfReader(pdf_path)
    for page in reader.pages:
        contents = page.get_contents()
        streams = [contents.get_data()] if contents is not None else []
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        for xobject in (resources.get("/XObject") or {}).values():
            streams.append(xobject.get_object().get_data())
        for data in streams:
            sizes += [float(s) * 0.75 for s in re.findall(rb"/\w+ ([0-9.]+) Tf", data)]
    return sizes


def embedded_fonts(pdf_path: Path) -> list[str]:
    """BaseFont of every distinct font object of the PDF (subset tag included)."""
    reader = PdfReader(pdf_path)
    seen: dict[int, str] = {}
    for page in reader.pages:
        for ref in (page.get("/Resources", {}).get("/Font") or {}).values():
            seen[ref.idnum] = str(ref.get_object()["/BaseFont"])
    return sorted(seen.values())
