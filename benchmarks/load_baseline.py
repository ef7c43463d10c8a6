"""Baseline for the load run: the same kinds of page views and API reads, one at a time from a single client
against the same server just before the run (no concurrency), 7 rounds; prints median and max per request.

    .venv/bin/python benchmarks/load_baseline.py LOAD_DIR BASE_URL [OUT.json [BEFORE_URL BEFORE_OUT.json]]

With BEFORE_URL (a server of older code on the same database and cores), both are probed alternately, request by
request: each round of a kind asks the older server, then the current one. This VM's speed drifts within minutes,
and probing one server after the other put that drift into the ratio; alternated, both see the same machine.
The older server's table goes to BEFORE_OUT.md beside its JSON.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import requests
from load_probes import probes

ROUNDS = 7


def session(base: str, username: str, password: str) -> requests.Session:
    """Logged in as the locust users are (behind a TLS proxy: X-Forwarded-Proto, cookies kept over loopback)."""
    s = requests.Session()
    s.headers.update({"X-Forwarded-Proto": "https", "Referer": base.replace("http://", "https://") + "/"})
    s.get(f"{base}/login/")
    for cookie in s.cookies:
        cookie.secure = False
    data = {"username": username, "password": password, "csrfmiddlewaretoken": s.cookies["csrftoken"]}
    response = s.post(f"{base}/login/", data=data, allow_redirects=False)
    assert response.status_code == 302, response.status_code
    for cookie in s.cookies:
        cookie.secure = False
    return s


def clients_of(base: str, users: dict) -> dict[str, requests.Session]:
    sec, staff, api = users["secretaries"][0], users["county_staff"][0], users["api_readers"][0]
    token = requests.Session()
    token.headers["Authorization"] = f"Token {api['token']}"
    return {
        "secretary": session(base, sec["username"], users["password"]),
        "county": session(base, staff["username"], users["password"]),
        "api": token,
    }


def table(times: dict[str, list[float]]) -> str:
    lines = ["| request (baseline: one client, no concurrency) | median ms | max ms |", "|---|---:|---:|"]
    lines += [f"| {name} | {statistics.median(t):.0f} | {max(t):.0f} |" for name, t in times.items()]
    return "\n".join(lines)


def main(
    load_dir: Path, base: str, out: Path | None = None, before: str | None = None, before_out: Path | None = None
) -> None:
    users = json.loads((load_dir / "users.json").read_text())
    servers = ([(before, clients_of(before, users), before_out)] if before else []) + [
        (base, clients_of(base, users), out)
    ]
    times: dict[str, dict[str, list[float]]] = {url: {} for url, _, _ in servers}
    for who, name, path in probes(users):
        for _ in range(ROUNDS):
            for url, clients, _ in servers:  # the older server first, then the current one, every round
                started = time.perf_counter()
                response = clients[who].get(url + path)
                times[url].setdefault(name, []).append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
    print(table(times[base]))
    for url, _, target in servers:
        if target is None:
            continue
        target.write_text(
            json.dumps({n: statistics.median(t) for n, t in times[url].items()}, ensure_ascii=False, indent=1)
        )
        if url != base:
            target.with_suffix(".md").write_text(table(times[url]) + "\n")


if __name__ == "__main__":
    load_dir, base_url, *rest = sys.argv[1:]
    before_url, before_json = (rest[1], Path(rest[2])) if len(rest) > 2 else (None, None)
    main(Path(load_dir), base_url, Path(rest[0]) if rest else None, before_url, before_json)
