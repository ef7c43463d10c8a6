"""Baseline for the load run: the same kinds of page views and API reads, one at a time from a single client
against the same server just before the run (no concurrency), 7 rounds; prints median and max per request.

    .venv/bin/python benchmarks/load_baseline.py LOAD_DIR BASE_URL
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


def main(load_dir: Path, base: str) -> None:
    users = json.loads((load_dir / "users.json").read_text())
    sec, staff, api = users["secretaries"][0], users["county_staff"][0], users["api_readers"][0]
    secretary = session(base, sec["username"], users["password"])
    county = session(base, staff["username"], users["password"])
    token = requests.Session()
    token.headers["Authorization"] = f"Token {api['token']}"
    clients = {"secretary": secretary, "county": county, "api": token}
    print("| request (baseline: one client, no concurrency) | median ms | max ms |")
    print("|---|---:|---:|")
    for who, name, path in probes(users):
        client = clients[who]
        times = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            response = client.get(base + path)
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        print(f"| {name} | {statistics.median(times):.0f} | {max(times):.0f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
