"""The single-client baseline of older code beside the current one (both from run_load.sh, same run, same
database, same cores): median ms per request kind and how many times faster the current code is.

    .venv/bin/python benchmarks/load_compare.py BEFORE.json AFTER.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from load_probes import HEAVY


def main(before_path: Path, after_path: Path) -> None:
    before, after = json.loads(before_path.read_text()), json.loads(after_path.read_text())
    print("| request (one client, median of 7) | before ms | after ms | before ÷ after |")
    print("|---|---:|---:|---:|")
    for name, was in before.items():
        now = after.get(name)
        if now is None:
            continue
        mark = " **(heavy)**" if name in HEAVY else ""
        print(f"| {name}{mark} | {was:.0f} | {now:.0f} | {was / now:.1f}× |")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
