"""Load mix for `benchmarks/run_load.sh`: township secretaries editing rosters (UI form and API PATCH), county
staff filtering risk lists, API readers, report requesters. Accounts come from benchmarks/load_setup.py.

Every write is appended to $LOAD_DIR/writes.jsonl with the value it set; benchmarks/load_check.py compares the
final database with that log (no lost and no duplicated edits). Request names start with the group used in
docs/benchmarks.md: `page:`, `api:`, `write:`, `report:` (and `auth:` for logins, slow by design: PBKDF2).

Think times: people 3–8 s between clicks (a secretary reads the page before the next edit), API scripts 2–5 s.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

from locust import HttpUser, between, events, task

LOAD_DIR = Path(os.environ.get("LOAD_DIR", "/tmp/h8-load"))
DATA = json.loads((LOAD_DIR / "users.json").read_text())
PASSWORD = DATA["password"]
_counters = {kind: itertools.count() for kind in ("secretaries", "county_staff", "api_readers", "reporters")}
_log_lock = threading.Lock()
_write_log = open(LOAD_DIR / "writes.jsonl", "a", buffering=1, encoding="utf-8")  # noqa: SIM115


_samples = open(LOAD_DIR / "samples.csv", "w", buffering=1, encoding="utf-8")  # noqa: SIM115
_samples.write("name,ms,failed,start\n")


@events.request.add_listener
def record_sample(name: str, response_time: float, exception: BaseException | None, **kwargs) -> None:
    """Every response time, so benchmarks/load_report.py can compute exact percentiles per group."""
    start = time.time() - response_time / 1000
    _samples.write(f"{name},{response_time:.1f},{int(exception is not None)},{start:.3f}\n")


def account(kind: str) -> dict:
    """Each simulated user gets its own account (a secretary its own township: one writer per person)."""
    accounts = DATA[kind]
    return accounts[next(_counters[kind]) % len(accounts)]


def log_write(**entry) -> None:
    with _log_lock:
        _write_log.write(json.dumps(entry, ensure_ascii=False) + "\n")


class EditForm(HTMLParser):
    """The fields of the person edit form as a browser would post them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.in_form = False
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "/edit/" in a.get("action", "") + a.get("hx-post", ""):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif a.get("type") not in {"submit", "button"}:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._select_value, self._first_option = a.get("name"), None, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._first_option or ""
            self.fields.append((self._select, value))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None
        elif tag == "form" and self.in_form:
            self.in_form = False


class ProductionClient(HttpUser):
    """Requests as the TLS-terminating proxy forwards them (X-Forwarded-Proto: https, SECURE_PROXY_SSL_HEADER).

    The server keeps its production settings (Secure cookies); no TLS proxy runs here, so the client keeps
    sending the cookies over the loopback connection (it clears their `secure` mark after each response).
    """

    abstract = True

    def on_start(self) -> None:
        session = self.client
        send = session.send

        def send_and_keep_cookies(request, **kwargs):
            response = send(request, **kwargs)
            for cookie in session.cookies:
                cookie.secure = False
            return response

        session.send = send_and_keep_cookies
        session.headers["X-Forwarded-Proto"] = "https"
        session.headers["Referer"] = (self.host or "").replace("http://", "https://") + "/"


class WebUser(ProductionClient):
    abstract = True

    def log_in(self, username: str) -> None:
        self.client.get("/login/", name="auth: login")
        response = self.client.post(
            "/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.client.cookies["csrftoken"]},
            name="auth: login",
            allow_redirects=False,
        )
        if response.status_code != 302 or "/login/" in response.headers.get("Location", ""):
            raise RuntimeError(f"login failed for {username}: {response.status_code}")


class TownshipSecretary(WebUser):
    """Keeps their township's roster: looks at pages, edits people (UI form and API PATCH with version)."""

    fixed_count = 20
    wait_time = between(3, 8)

    def on_start(self) -> None:
        super().on_start()
        self.me = account("secretaries")
        self.writes = itertools.count()
        self.log_in(self.me["username"])

    def phone(self) -> str:
        n = int(self.me["username"][-2:])
        return f"13{n:02d}{next(self.writes):07d}"

    @task(3)
    def township_page(self) -> None:
        self.client.get(f"/townships/{self.me['township']}/", name="page: township")

    @task(3)
    def village_page(self) -> None:
        self.client.get(f"/villages/{random.choice(self.me['villages'])}/", name="page: village")

    @task(2)
    def person_page(self) -> None:
        self.client.get(f"/people/{random.choice(self.me['people'])}/", name="page: person")

    @task(1)
    def people_list(self) -> None:
        self.client.get(f"/people/?village={random.choice(self.me['villages'])}", name="page: people filtered")

    @task(2)
    def edit_in_form(self) -> None:
        person = random.choice(self.me["people"])
        url = f"/people/{person}/edit/"
        form = EditForm()
        form.feed(self.client.get(url, name="page: person edit form").text)
        value = self.phone()
        fields = [(k, v) for k, v in form.fields if k != "phone"] + [("phone", value)]
        with self.client.post(
            url, data=fields, name="write: person form", catch_response=True, allow_redirects=False
        ) as response:
            ok = response.status_code == 302
            if not ok:
                response.failure(f"form not saved: {response.status_code}")
        log_write(user=self.me["username"], person=person, phone=value, via="form", ok=ok, t=time.time())

    @task(1)
    def edit_by_api(self) -> None:
        person = random.choice(self.me["people"])
        current = self.client.get(f"/api/v1/people/{person}/", name="api: person (secretary)").json()
        value = self.phone()
        headers = {"X-CSRFToken": self.client.cookies["csrftoken"]}
        with self.client.patch(
            f"/api/v1/people/{person}/",
            json={"phone": value, "version": current["version"]},
            headers=headers,
            name="write: person PATCH",
            catch_response=True,
        ) as response:
            ok = response.status_code == 200
            if not ok:
                response.failure(f"PATCH refused: {response.status_code} {response.text[:200]}")
        log_write(user=self.me["username"], person=person, phone=value, via="api", ok=ok, t=time.time())


class CountyStaff(WebUser):
    """Works through risk lists with filters; glances at the dashboard and people lists."""

    fixed_count = 15
    wait_time = between(3, 8)

    def on_start(self) -> None:
        super().on_start()
        self.me = account("county_staff")
        self.log_in(self.me["username"])

    @task(4)
    def risks_by_township(self) -> None:
        township = random.choice(self.me["townships"])
        severity = random.choice(["red", "amber", ""])
        self.client.get(f"/risks/?township={township}&severity={severity}", name="page: risks filtered")

    @task(2)
    def risks_by_kind(self) -> None:
        kind = random.choice(["high_age", "low_education", "no_young_member", "reserve_shortfall"])
        self.client.get(f"/risks/?kind={kind}&page={random.randint(1, 3)}", name="page: risks by kind")

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", name="page: dashboard")

    @task(1)
    def people_filtered(self) -> None:
        township = random.choice(self.me["townships"])
        self.client.get(f"/people/?township={township}&education=junior_high", name="page: people filtered")


class ApiReader(ProductionClient):
    """A script reading the API with a token."""

    fixed_count = 10
    wait_time = between(2, 5)

    def on_start(self) -> None:
        super().on_start()
        self.me = account("api_readers")
        self.client.headers["Authorization"] = f"Token {self.me['token']}"

    @task(2)
    def villages(self) -> None:
        self.client.get(f"/api/v1/villages/?county={self.me['county']}&page_size=100", name="api: villages list")

    @task(2)
    def village(self) -> None:
        self.client.get(f"/api/v1/villages/{random.choice(self.me['villages'])}/", name="api: village")

    @task(2)
    def people(self) -> None:
        self.client.get(f"/api/v1/people/?village={random.choice(self.me['villages'])}", name="api: people list")

    @task(2)
    def risks(self) -> None:
        self.client.get(f"/api/v1/risks/?county={self.me['county']}&severity=red", name="api: risks list")

    @task(1)
    def posts(self) -> None:
        self.client.get(f"/api/v1/posts/?village={random.choice(self.me['villages'])}", name="api: posts list")


class ReportRequester(ProductionClient):
    """Asks for village reports and follows them until done (the worker renders them)."""

    fixed_count = 5
    wait_time = between(5, 15)

    def on_start(self) -> None:
        super().on_start()
        self.me = account("reporters")
        self.client.headers["Authorization"] = f"Token {self.me['token']}"

    @task
    def village_report(self) -> None:
        body = {"kind": "village", "scope": random.choice(self.me["villages"])}
        created = self.client.post("/api/v1/reports/", json=body, name="report: request")
        if created.status_code != 202:
            return
        for _ in range(5):
            time.sleep(2)
            job = self.client.get(f"/api/v1/reports/{created.json()['id']}/", name="report: status").json()
            if job["status"] in {"done", "failed"}:
                break
