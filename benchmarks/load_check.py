"""After a load run: compare the database with the write log of benchmarks/locustfile.py.

    DATABASE_URL=... .venv/bin/python benchmarks/load_check.py LOAD_DIR

- lost edit: a person's phone is not the value of the last write the server accepted for them;
- duplicated edit: more history records of the load user's changes to a person than accepted writes;
- refused write: the server refused a write (no concurrent writers exist in the mix, so none should be).
Prints a summary as JSON and exits 1 on any of them.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()

from django.db.models import Count  # noqa: E402
from django.utils.dateparse import parse_datetime  # noqa: E402

from villages.models import Person  # noqa: E402


def main(load_dir: Path) -> int:
    started_at = parse_datetime(json.loads((load_dir / "users.json").read_text())["started_at"])
    writes = [json.loads(line) for line in (load_dir / "writes.jsonl").read_text().splitlines() if line.strip()]
    accepted = [w for w in writes if w["ok"]]
    last_value: dict[int, str] = {}
    for write in accepted:  # one writer per person: the log order is the order the server saw
        last_value[write["person"]] = write["phone"]
    final = dict(Person.objects.filter(pk__in=last_value).values_list("pk", "phone"))
    lost = {pk: (value, final.get(pk)) for pk, value in last_value.items() if final.get(pk) != value}

    per_person = Counter((w["user"], w["person"]) for w in accepted)
    recorded = (
        Person.history.filter(
            history_type="~", history_date__gte=started_at, history_user__username__startswith="load_"
        )
        .values("history_user__username", "id")
        .annotate(n=Count("history_id"))
    )
    history = {(r["history_user__username"], r["id"]): r["n"] for r in recorded}
    duplicated = {
        f"{u}/{p}": (n, history.get((u, p), 0)) for (u, p), n in per_person.items() if history.get((u, p), 0) > n
    }
    missing = {
        f"{u}/{p}": (n, history.get((u, p), 0)) for (u, p), n in per_person.items() if history.get((u, p), 0) < n
    }
    summary = {
        "writes": len(writes),
        "accepted": len(accepted),
        "refused": len(writes) - len(accepted),
        "people_edited": len(last_value),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "history_missing": len(missing),
        "examples": {"lost": dict(list(lost.items())[:5]), "duplicated": dict(list(duplicated.items())[:5])},
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 1 if lost or duplicated or missing or summary["refused"] else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
