"""Tenancy: role x organisation x endpoint -> expected HTTP status, for every API endpoint,
on SQLite and on a real PostgreSQL server. Enforcement lives in the service layer; this
table checks it through the API as users meet it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from supplywatch.state.models import Alert
from tests.service.conftest import ORG_ROLES, Seeded

Expect = Callable[[str, str], int]
SCOPE = {"KR": "KOR", "JP": "JPN", "JOINT": "BLOC"}
OTHER = {"KR": "JPN", "JP": "KOR", "JOINT": "KOR"}


def everyone(code: int) -> Expect:
    return lambda _o, _r: code


def admins(code: int) -> Expect:
    return lambda _o, r: code if r == "admin" else 403


def writers(code: int) -> Expect:
    return lambda _o, r: code if r in {"analyst", "admin"} else 403


def by_org(**codes: int) -> Expect:
    return lambda o, _r: codes[o]


def new_user_rule(o: str, r: str) -> int:
    return 201 if r == "admin" and o in {"KR", "JOINT"} else 403


STOCK = {"item_id": "gallium", "holder": "national", "quantity_t": 12.5, "as_of_date": "2026-01-05"}
CSV = b"item_id,holder,quantity_t,as_of_date\ngermanium,private,3,2026-02-01\n"
PLAN = {
    "budget_krw": 1e9,
    "budget_jpy": 1e8,
    "krw_per_usd": 1400.0,
    "jpy_per_usd": 150.0,
    "materials": ["natural_graphite"],
    "paths": 200,
}

# (method, path template, body, expected(org, role)). Placeholders are filled per user:
# {own_alert}: a fresh alert of the user's own importer; {other_alert}: one it may not see;
# {bloc_alert}: a bloc alert; {own_token} / {other_token}: API token ids; {own_plan} /
# {other_plan}: a plan of the user's organisation / of another one; {own_notice} /
# {other_notice}: a review-queue candidate of the user's organisation / of the next one;
# {connector_notice}: one found by a connector (no organisation).
TABLE: list[tuple[str, str, Any, Expect]] = [
    ("GET", "/api/v1/auth/me", None, everyone(200)),
    ("POST", "/api/v1/auth/tokens", {"label": "x"}, everyone(201)),
    ("DELETE", "/api/v1/auth/tokens/{own_token}", None, everyone(204)),
    # another user's token: only the admins who manage that (KR) user may revoke it
    (
        "DELETE",
        "/api/v1/auth/tokens/{other_token}",
        None,
        lambda o, r: 204 if r == "admin" and o in {"KR", "JOINT"} else 404,
    ),
    ("GET", "/api/v1/auth/tokens", None, everyone(200)),
    ("POST", "/api/v1/auth/password", "password", everyone(204)),
    ("POST", "/api/v1/users", "new_user", new_user_rule),
    ("GET", "/api/v1/users", None, admins(200)),
    ("PATCH", "/api/v1/users/{own_user}", {"is_active": True}, admins(200)),
    ("GET", "/api/v1/meta", None, everyone(200)),
    ("GET", "/api/v1/items?limit=5", None, everyone(200)),
    ("GET", "/api/v1/items/gallium", None, everyone(200)),
    ("GET", "/api/v1/screen?importer=KOR&limit=5", None, everyone(200)),
    ("GET", "/api/v1/explain/gallium?importer=BLOC", None, everyone(200)),
    ("GET", "/api/v1/indicators/dependence?item=gallium&importer=JPN", None, everyone(200)),
    ("GET", "/api/v1/indicators/production?item=gallium", None, everyone(200)),
    ("GET", "/api/v1/backtest", None, everyone(200)),
    ("GET", "/api/v1/measures?imposer=CHN&limit=5", None, everyone(200)),
    ("GET", "/api/v1/measures/CN-MOFCOM-GACC-2023-23", None, everyone(200)),
    ("GET", "/api/v1/alerts", None, everyone(200)),
    ("GET", "/api/v1/alerts?importer=KOR", None, by_org(KR=200, JP=403, JOINT=403)),
    ("GET", "/api/v1/alerts?importer=JPN", None, by_org(KR=403, JP=200, JOINT=403)),
    ("GET", "/api/v1/alerts?importer=BLOC", None, everyone(200)),
    ("GET", "/api/v1/alerts/{own_alert}", None, everyone(200)),
    ("GET", "/api/v1/alerts/{other_alert}", None, everyone(404)),
    ("GET", "/api/v1/alerts/{bloc_alert}", None, everyone(200)),
    ("POST", "/api/v1/alerts/{own_alert}/acknowledge", {"comment": "seen"}, writers(200)),
    ("POST", "/api/v1/alerts/{own_alert}/resolve", {"comment": "done"}, writers(200)),
    (
        "POST",
        "/api/v1/alerts/{other_alert}/acknowledge",
        {},
        lambda _o, r: 403 if r == "viewer" else 404,
    ),
    ("GET", "/api/v1/audit", None, admins(200)),
    ("GET", "/api/v1/stocks", None, everyone(200)),
    ("POST", "/api/v1/stocks", {"entries": [STOCK]}, writers(201)),
    ("POST", "/api/v1/stocks/upload", "csv", writers(201)),
    (
        "POST",
        "/api/v1/stocks/consumption",
        {"item_id": "gallium", "tonnes_per_year": 100.0, "as_of_date": "2026-01-01"},
        writers(201),
    ),
    ("GET", "/api/v1/stocks/cover?importer=KOR", None, by_org(KR=200, JP=403, JOINT=403)),
    ("GET", "/api/v1/stocks/cover?importer=JPN", None, by_org(KR=403, JP=200, JOINT=403)),
    ("GET", "/api/v1/stocks/cover?importer=BLOC", None, everyone(200)),
    ("GET", "/api/v1/stocks/targets", None, everyone(200)),
    (
        "PUT",
        "/api/v1/stocks/targets",
        {"item_id": "gallium", "target_days": 180.0, "basis": "test"},
        admins(200),
    ),
    ("POST", "/api/v1/admin/evaluate", None, admins(200)),
    ("GET", "/api/v1/admin/evaluations/last", None, everyone(200)),
    ("POST", "/api/v1/admin/ingest?source=wgi", None, admins(200)),
    (
        "POST",
        "/api/v1/admin/webhooks",
        {"url": "http://127.0.0.1:9/hook", "secret": "0123456789abcdef"},
        admins(201),
    ),
    ("GET", "/api/v1/admin/webhooks/deliveries", None, admins(200)),
    ("GET", "/api/v1/admin/webhooks", None, admins(200)),
    ("DELETE", "/api/v1/admin/webhooks/999999", None, lambda _o, r: 404 if r == "admin" else 403),
    ("POST", "/api/v1/plans", PLAN, writers(201)),
    ("GET", "/api/v1/plans", None, everyone(200)),
    ("GET", "/api/v1/plans/{own_plan}", None, everyone(200)),
    ("GET", "/api/v1/plans/{other_plan}", None, everyone(404)),
    ("POST", "/api/v1/notices", "notice", writers(201)),
    ("GET", "/api/v1/notices", None, everyone(200)),
    ("GET", "/api/v1/notices/{own_notice}", None, everyone(200)),
    # KR's candidates are KR's and JOINT's; JP's are JP's and JOINT's; JOINT's are JOINT's.
    ("GET", "/api/v1/notices/{other_notice}", None, by_org(KR=404, JP=404, JOINT=200)),
    ("GET", "/api/v1/notices/{connector_notice}", None, everyone(200)),
    ("PATCH", "/api/v1/notices/{own_notice}", {"draft": {"measure_id": "X"}}, writers(200)),
    (
        "PATCH",
        "/api/v1/notices/{other_notice}",
        {"draft": {}},
        lambda o, r: 403 if r == "viewer" else 200 if o == "JOINT" else 404,
    ),
    # the drafts have no measure type: JOINT may confirm KR's, and is told what is missing
    (
        "POST",
        "/api/v1/notices/{other_notice}/confirm",
        {},
        lambda o, r: 403 if r == "viewer" else 422 if o == "JOINT" else 404,
    ),
    ("POST", "/api/v1/notices/{own_notice}/reject", {"comment": "not a measure"}, writers(200)),
    ("GET", "/api/v1/items/gallium/value-chain?importer=KOR", None, everyone(200)),
    # briefings: of the organisation's own importer or the bloc, kept for the organisation
    ("POST", "/api/v1/briefings", {"importer": "BLOC", "as_of": "2026-11-24"}, writers(201)),
    (
        "POST",
        "/api/v1/briefings",
        {"importer": "KOR", "as_of": "2026-11-24"},
        lambda o, r: 403 if r == "viewer" or o != "KR" else 201,
    ),
    ("GET", "/api/v1/briefings", None, everyone(200)),
    ("GET", "/api/v1/briefings/{own_briefing}", None, everyone(200)),
    ("GET", "/api/v1/briefings/{other_briefing}", None, everyone(404)),
    ("GET", "/api/v1/briefings/{own_briefing}/file?format=html&lang=ko", None, everyone(200)),
    ("GET", "/api/v1/briefings/{other_briefing}/file?format=html", None, everyone(404)),
    # watch-lists: one's own; the organisation's needs an analyst (then exists: 409)
    ("POST", "/api/v1/watch", {"kind": "item", "target": "gallium"}, everyone(201)),
    (
        "POST",
        "/api/v1/watch",
        {"kind": "imposer", "target": "CHN", "scope": "org"},
        lambda _o, r: {"viewer": 403, "analyst": 201, "admin": 409}[r],
    ),
    ("GET", "/api/v1/watch", None, everyone(200)),
    ("DELETE", "/api/v1/watch/{other_watch}", None, everyone(404)),
    ("DELETE", "/api/v1/watch/{own_watch}", None, everyone(204)),
    ("GET", "/api/v1/notifications?unread=true", None, everyone(200)),
    ("POST", "/api/v1/notifications/{other_watch}/read", None, everyone(404)),
    (
        "POST",
        "/api/v1/exports?format=csv",
        {"title": "t", "columns": ["a"], "rows": [["x"]]},
        everyone(200),
    ),
]


KEYS = (
    "own_alert",
    "other_alert",
    "bloc_alert",
    "own_token",
    "other_token",
    "own_plan",
    "other_plan",
    "own_notice",
    "other_notice",
    "connector_notice",
    "own_user",
    "own_briefing",
    "other_briefing",
    "own_watch",
    "other_watch",
)


def _alert_pools(s: Seeded) -> dict[str, list[int]]:
    with s.ws.sessions() as db:
        rows = db.execute(
            select(Alert.importer_id, Alert.id).where(Alert.status == "new").order_by(Alert.id)
        ).all()
    pools: dict[str, list[int]] = {}
    for imp, i in rows:
        pools.setdefault(imp, []).append(i)
    return pools


def _request(s: Seeded, method: str, path: str, body: Any, headers: dict[str, str]) -> int:
    if body == "notice":
        text = f"Notice by {headers.get('Authorization', '')[-6:]}: nothing is controlled here."
        r = s.client.post(path, json={"text": text}, headers=headers)
    elif body == "csv":
        r = s.client.post(path, files={"file": ("s.csv", CSV)}, headers=headers)
    elif body == "new_user":
        r = s.client.request(method, path, json={}, headers=headers)
    else:
        r = s.client.request(method, path, json=body, headers=headers)
    return r.status_code


def test_every_endpoint_is_in_the_table(seeded: Seeded) -> None:
    """Every operation of the OpenAPI document has a row (a new endpoint fails this)."""
    import re

    fill = dict.fromkeys(KEYS, "1")
    listed = [(m, t.format(**fill).split("?")[0]) for m, t, _b, _e in TABLE]
    public = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/logout")}
    operations = [
        (method.upper(), path)
        for path, ops in seeded.app.openapi()["paths"].items()
        for method in ops
        if path.startswith("/api/v1")
    ]
    assert len(operations) > 30  # the document is read, not empty
    missing = []
    for method, path in operations:
        if (method, path) in public:
            continue
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        if not any(m == method and pattern.match(p) for m, p in listed):
            missing.append((method, path))
    assert missing == []


def test_role_org_endpoint_status_table(seeded: Seeded) -> None:
    s = seeded
    pools = _alert_pools(s)
    for imp in ("KOR", "JPN", "BLOC"):
        assert len(pools.get(imp, [])) >= 3, f"need >=3 new {imp} alerts, have {pools.get(imp)}"
    s.ws.create_user(None, "victim", "KR", "viewer", "pw-victim-0123")  # owns other_token
    victim = s.ws.login("victim", "pw-victim-0123", "t")[2]
    other_token = s.ws.create_token(victim, "victim")["id"]
    plans = {
        org: s.ws.create_plan(s.principal(org, "analyst"), dict(PLAN))["id"]  # type: ignore[arg-type]
        for org in ("KR", "JP", "JOINT")
    }
    other_org = {"KR": "JP", "JP": "JOINT", "JOINT": "KR"}
    notices = {
        (org, role): s.ws.submit_notice(
            s.principal(org, "analyst"),  # type: ignore[arg-type]
            f"Note {org} {role}: a statement, no measure.",
        )["id"]
        for org, role in ORG_ROLES
    }
    others = {
        (org, role): s.ws.submit_notice(
            s.principal(org, "analyst"),  # type: ignore[arg-type]
            f"Another note {org} {role}: nothing controlled.",
        )["id"]
        for org, role in ORG_ROLES
    }
    connector = s.ws.submit_notice(None, "A notice found by a connector.", origin="test")["id"]
    briefings = {
        org: s.ws.create_briefing(s.principal(org, "analyst"), "BLOC")["id"]  # type: ignore[arg-type]
        for org in ("KR", "JP", "JOINT")
    }
    watches = {
        (org, role): s.ws.watch_add(s.principal(org, role), "supplier", "AUS")["id"]  # type: ignore[arg-type]
        for org, role in ORG_ROLES
    }
    mismatches = []
    for org, role in ORG_ROLES:
        h = s.headers(org, role)
        mine = pools[SCOPE[org]]
        fill = {
            "own_alert": str(mine[["viewer", "analyst", "admin"].index(role)]),
            "other_alert": str(pools[OTHER[org]][0]),
            "bloc_alert": str(pools["BLOC"][-1]),
            "own_token": str(s.ws.create_token(s.principal(org, role), "t")["id"]),  # type: ignore[arg-type]
            "other_token": str(other_token),
            "own_plan": str(plans[org]),
            "other_plan": str(plans[other_org[org]]),
            "own_notice": str(notices[(org, role)]),
            "other_notice": str(others[(other_org[org], role)]),
            "connector_notice": str(connector),
            "own_user": str(s.principal(org, role).user_id),  # type: ignore[attr-defined]
            "own_briefing": str(briefings[org]),
            "other_briefing": str(briefings[other_org[org]]),
            "own_watch": str(watches[(org, role)]),
            "other_watch": str(watches[(other_org[org], role)]),
        }
        for method, template, body, expect in TABLE:
            path = template.format(**fill)
            b = body
            if body == "new_user":
                b = {
                    "username": f"new_{org}_{role}",
                    "org": "KR",
                    "role": "viewer",
                    "password": "a-long-password",
                }
                got = s.client.request(method, path, json=b, headers=h).status_code
            elif body == "password":  # to the same one: the other rows' tokens stay valid
                pw = f"pw-{org.lower()}_{role}-0123"
                b = {"current_password": pw, "new_password": pw}
                got = s.client.request(method, path, json=b, headers=h).status_code
            else:
                got = _request(s, method, path, b, h)
            want = expect(org, role)
            if got != want:
                mismatches.append(f"{org}/{role} {method} {path}: got {got}, want {want}")
    assert mismatches == []


def test_anonymous_gets_401_everywhere(seeded: Seeded) -> None:
    keys = KEYS
    fill = dict.fromkeys(keys, "1")
    got = {
        (method, template): _request(
            seeded, method, template.format(**fill), None if body == "new_user" else body, {}
        )
        for method, template, body, _e in TABLE
    }
    assert {k: v for k, v in got.items() if v != 401} == {}  # auth comes before validation
    r = seeded.client.get("/api/v1/alerts", headers={"Authorization": "Bearer sw_nope"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
