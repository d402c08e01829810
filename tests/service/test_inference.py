"""Tenancy against inference (decision 0007): the two attacks of issue #13 run as written, on
SQLite and PostgreSQL, and recover nothing.

1. Audit: a JP admin reading the audit log must not see Korea's alert entries (id, level,
   previous level) nor any count that, less its own, gives Korea's.
2. Bloc days of cover: a JP analyst entering two stock levels and reading the bloc's cover
   after each must not be able to difference out Korea's stock; nor can the bloc's alert level
   (seen by both sides) move with one side's confidential stock.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from supplywatch.access import Principal
from supplywatch.state.models import Alert, AuditEntry
from supplywatch.workspace import Workspace

WHEN = date(2026, 11, 24)


def _user(ws: Workspace, name: str, org: str, role: str) -> Principal:
    ws.create_user(None, name, org, role, "pw-0123456789")
    return ws.login(name, "pw-0123456789", "t")[2]


def test_audit_log_shows_no_other_side_alert_entries(ws: Workspace) -> None:
    kr = _user(ws, "kr_adm", "KR", "admin")
    jp = _user(ws, "jp_adm", "JP", "admin")
    joint = _user(ws, "joint_adm", "JOINT", "admin")
    out = ws.evaluate(as_of=WHEN)
    with ws.sessions() as s:
        ids = {imp: set() for imp in ("KOR", "JPN", "BLOC")}
        for a in s.scalars(select(Alert)):
            ids[a.importer_id].add(str(a.id))
        orgs = {e.org_code for e in s.scalars(select(AuditEntry))}
    assert ids["KOR"] and ids["JPN"] and ids["BLOC"]  # every side has alerts to hide
    assert orgs >= {"KR", "JP", "JOINT"}

    def seen(p: Principal) -> list[dict[str, object]]:
        return ws.audit(p, 10_000, 0).items

    jp_rows = seen(jp)
    raised = {str(e["entity_id"]) for e in jp_rows if e["action"] == "alert.raised"}
    # the attack of the issue: JP reads KOR's alert.raised entries -> none now
    assert raised == ids["JPN"] | ids["BLOC"]
    assert not raised & ids["KOR"]
    assert {e["org"] for e in jp_rows} <= {"JP", "JOINT", None}
    # system entries of no organisation carry no tenant's data
    assert all(e["action"] != "alert.raised" for e in jp_rows if e["org"] is None)
    # the evaluation's counts: one per organisation, so no total to subtract from
    counts = {
        e["detail"]["importer"]: e["detail"]["changes"]
        for e in jp_rows
        if e["action"] == "evaluation.finished"
    }
    assert set(counts) == {"JPN", "BLOC"}
    by = out["changes_by_importer"]
    assert counts == {"JPN": by["JPN"], "BLOC": by["BLOC"]} and by["KOR"] > 0
    last = ws.last_evaluation(jp)
    assert last is not None and last["changes"] == by["JPN"] + by["BLOC"]
    assert ws.evaluate_as(jp)["changes"] == 0  # nothing moved since; JP's scope only
    # Korea sees its own; the joint view sees bloc-level entries only
    kr_raised = {str(e["entity_id"]) for e in seen(kr) if e["action"] == "alert.raised"}
    assert kr_raised == ids["KOR"] | ids["BLOC"]
    joint_rows = seen(joint)
    assert {e["org"] for e in joint_rows} <= {"JOINT", None}
    assert {str(e["entity_id"]) for e in joint_rows if e["action"] == "alert.raised"} == ids["BLOC"]


def test_bloc_cover_differencing_recovers_nothing(ws: Workspace) -> None:
    item = "natural_graphite"
    kr = _user(ws, "kr_an", "KR", "analyst")
    jp = _user(ws, "jp_an", "JP", "analyst")
    joint = _user(ws, "joint_an", "JOINT", "analyst")
    ws.evaluate(as_of=WHEN)
    bloc_before = {
        a["item_id"]: a["level"] for a in ws.alerts(jp, importer="BLOC", limit=500).items
    }
    ws.add_stocks(
        kr,
        [
            {
                "item_id": item,
                "holder": "national",
                "quantity_t": 1_234.0,
                "as_of_date": "2026-11-01",
            }
        ],
    )
    reads = []
    for q in (100_000.0, 200_000.0):  # the attack of the issue, as a JP analyst
        ws.add_stocks(
            jp,
            [{"item_id": item, "holder": "national", "quantity_t": q, "as_of_date": "2026-11-02"}],
        )
        row = {c["item_id"]: c for c in ws.cover(jp, "BLOC", WHEN)}[item]
        assert row["contributing_orgs"] == ["JP", "KR"]
        reads.append(row)
    # both reads withheld: there is no figure to difference, and no gap either
    for row in reads:
        assert row["cover_days"] is None and row["gap_days"] is None
        assert row["status"].startswith("withheld")
        assert "stock_t" not in row and "by_holder_t" not in row
    # the joint view (two national contributors besides itself) sees the aggregate: it can
    # not split it, holding no national stock of its own
    agg = {c["item_id"]: c for c in ws.cover(joint, "BLOC", WHEN)}[item]
    assert agg["status"] == "ok" and agg["cover_days"] is not None
    # the bloc's alert level (seen by both sides) does not move with either side's stock
    ws.evaluate(as_of=WHEN)
    bloc_after = {a["item_id"]: a["level"] for a in ws.alerts(jp, importer="BLOC", limit=500).items}
    assert bloc_after == bloc_before
    # a joint-pool stock (visible to all) still counts for the bloc's level
    pool = [{"item_id": item, "holder": "national", "quantity_t": 1.0, "as_of_date": "2026-11-03"}]
    ws.add_stocks(joint, pool)
    with ws.sessions() as s:
        covers = ws._covers(s, "BLOC", WHEN, ws._latest_dependence(WHEN), shared_stocks_only=True)
    assert covers[item].orgs == ("JOINT",) and covers[item].stock_t == 1.0
    assert covers[item].consumption_basis is not None
    assert covers[item].consumption_basis.startswith("apparent")
