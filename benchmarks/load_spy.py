"""Where the web's time went under load: a summary of py-spy's samples of the gunicorn workers (`run_load.sh` with
PY_SPY=1 writes LOAD_DIR/spy.txt, py-spy's raw collapsed stacks: one line per distinct stack and its count).

    .venv/bin/python benchmarks/load_spy.py LOAD_DIR/spy.txt [--top 8]

py-spy samples running threads (idle ones are left out), so a sample is either Python work or a wait inside a
call: waits on PostgreSQL (psycopg) are listed apart, since on the one pinned core they are PostgreSQL's own CPU
plus the queue for it. Per request handler (the view function, or the API viewset's action): its share of all
samples, then the calls under it that took most of it. The login hashing child (a niced process of its own,
sampled with the workers as their subprocess) is counted apart and left out of the shares: when the core is
saturated it is runnable but starved, and its samples are not the web's work.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from pathlib import Path

from load_cpu import HASHING_CHILD

# A frame looks like "function (path/to/file.py:123)"; the line number and the site-packages prefix are dropped.
_FRAME = re.compile(r":\d+\)$")
_SITE = re.compile(r" \(\S*site-packages/")
WAITS = {
    "PostgreSQL (psycopg waits)": "Connection.wait (psycopg",
    "Redis (cache)": "redis/connection.py",
    "login hashing pipe": "HashingChild.derive",
}
VIEW_MARKERS = ("BaseHandler._get_response (django/core/handlers/base.py)",)


def frames_of(stack: str) -> list[str]:
    return [_SITE.sub(" (", _FRAME.sub(")", frame)) for frame in stack.split(";")]


def handler_of(frames: list[str]) -> tuple[str, int] | None:
    """The request handler of a stack and its position: the first frame of this project's code (or DRF's list,
    retrieve, update or create) under Django's `_get_response`."""
    start = next((i for i, f in enumerate(frames) if f in VIEW_MARKERS), None)
    if start is None:
        return None
    for i in range(start + 1, len(frames)):
        frame = frames[i]
        if "(villages/" in frame or "(dashboards/" in frame or "(reserves/" in frame or "(tasks/" in frame:
            return frame, i
        if frame.startswith(("ListModelMixin.", "RetrieveModelMixin.", "UpdateModelMixin.", "CreateModelMixin.")):
            return f"API {frame}", i  # py-spy names the mixin, not the viewset: API lists together
    return "(Django, middleware, other)", len(frames)


def sample_lines(text: str) -> list[str]:
    """py-spy's raw lines ("stack count"); a process whose command line holds newlines (the login hashing child,
    `python -c` with a script) spreads one sample over several lines: they are joined back."""
    lines, pending = [], ""
    for line in text.splitlines():
        pending += line
        if re.search(r" \d+$", pending):
            lines.append(pending)
            pending = ""
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spy", type=Path)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    total, hashing, waits, handlers = 0, 0, Counter[str](), Counter[str]()
    children: dict[str, Counter[str]] = defaultdict(Counter)
    for line in sample_lines(args.spy.read_text()):
        stack, count = line.rsplit(" ", 1)
        n = int(count)
        if any(f.startswith("process ") and HASHING_CHILD in f for f in stack.split(";")):  # "process PID:cmdline"
            hashing += n
            continue
        total += n
        frames = frames_of(stack)
        for label, marker in WAITS.items():
            if any(marker in f for f in frames):
                waits[label] += n
        found = handler_of(frames)
        if found:
            handler, at = found
            handlers[handler] += n
            children[handler][frames[at + 1] if at + 1 < len(frames) else "(itself)"] += n
    if not total:
        print("no samples")
        return
    print(f"py-spy: {total} samples of the gunicorn workers' running threads ({hashing} more of the login hashing")
    print("child, left out of the shares below)")
    print()
    print("| waiting on | share of samples |")
    print("|---|---:|")
    for label, n in waits.most_common():
        print(f"| {label} | {100 * n / total:.0f} % |")
    print()
    print("| request handler | share | the calls under it that took most of it |")
    print("|---|---:|---|")
    for handler, n in handlers.most_common(args.top):
        parts = ", ".join(f"{c.split(' (')[0]} {100 * k / n:.0f} %" for c, k in children[handler].most_common(4))
        print(f"| {handler.split(' (')[0]} | {100 * n / total:.0f} % | {parts} |")


if __name__ == "__main__":
    main()
