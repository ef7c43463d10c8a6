"""The request kinds of the load mix, named as locust names them: one list for the single-client baseline
(`load_baseline.py`, over HTTP) and the per-request profile (`profile_requests.py`, in process).

Each probe is (who, name, path): `who` is the kind of account in users.json that makes the request
("secretary", "county" or "api"; the API probes use a token, the others a logged-in session).
"""

from __future__ import annotations

# The five heaviest kinds (issue 19): their single-client time is what the capacity work set out to halve.
HEAVY = (
    "page: dashboard",
    "page: people filtered",
    "api: people list",
    "api: villages list",
    "page: risks by kind",
    "page: person edit form",
)


def probes(users: dict) -> list[tuple[str, str, str]]:
    """Every read of the mix, with the first account of each kind and its first village, township and person."""
    sec, staff, api = users["secretaries"][0], users["county_staff"][0], users["api_readers"][0]
    village, township, person = sec["villages"][0], staff["townships"][0], sec["people"][0]
    return [
        ("secretary", "page: township", f"/townships/{sec['township']}/"),
        ("secretary", "page: village", f"/villages/{village}/"),
        ("secretary", "page: person", f"/people/{person}/"),
        ("secretary", "page: person edit form", f"/people/{person}/edit/"),
        ("secretary", "page: people filtered", f"/people/?village={village}"),
        ("county", "page: people filtered (county)", f"/people/?township={township}&education=junior_high"),
        ("county", "page: risks filtered", f"/risks/?township={township}&severity=red"),
        ("county", "page: risks by kind", "/risks/?kind=high_age&page=2"),
        ("county", "page: dashboard", "/dashboard/"),
        ("api", "api: villages list", f"/api/v1/villages/?county={api['county']}&page_size=100"),
        ("api", "api: village", f"/api/v1/villages/{api['villages'][0]}/"),
        ("api", "api: people list", f"/api/v1/people/?village={api['villages'][0]}"),
        ("api", "api: risks list", f"/api/v1/risks/?county={api['county']}&severity=red"),
        ("api", "api: posts list", f"/api/v1/posts/?village={api['villages'][0]}"),
    ]
