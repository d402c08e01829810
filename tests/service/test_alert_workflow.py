"""Alert lifecycle new -> acknowledged -> resolved, deduplication, audit, and days of cover
moving levels, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from supplywatch.access import Principal
from supplywatch.clock import FixedClock
from supplywatch.errors import ConfigError
from supplywatch.state.models import Alert, AuditEntry, ItemLevel
from supplywatch.workspace import Conflict, InputError, NotFound, Workspace


def _user(ws: Workspace, name: str, org: str, role: str) -> Principal:
    ws.create_user(None, name, org, role, "pw-0123456789")
    return ws.login(name, "pw-0123456789", "t")[2]


def test_levels_become_alerts_once_with_evidence(ws: Workspace) -> None:
    first = ws.evaluate(as_of=date(2026, 11, 24))
    with ws.sessions() as s:
        n_alerts = s.scalar(select(func.count()).select_from(Alert))
        n_levels = s.scalar(select(func.count()).select_from(ItemLevel).where(ItemLevel.level > 0))
        a = s.scalar(
            select(Alert).where(Alert.item_id == "natural_graphite", Alert.importer_id == "KOR")
        )
    # one open alert per (item, importer) at attention or above, none at level 0
    assert n_alerts == n_levels == first["changes"] > 0
    assert a is not None and a.level == 4 and a.status == "new" and a.previous_level == 0
    ev = a.evidence
    # the evidence is the level change's own: the date it entered 심각 (the graphite notice of
    # 2023-10-20, an event: applied the same day; it was at 경계 since 2021-12-01, when China's
    # urea controls entered the imposer's momentum), the probability and the baseline score then
    assert ev["date"] == str(a.changed_on_date) == "2023-10-20"
    assert ev["probability"] == pytest.approx(0.4059, abs=1e-4)
    assert ev["score"] == pytest.approx(60.93, abs=0.05)
    assert ev["model_terms"]["imposer_momentum"] > 0
    assert "MOFCOM/GACC Announcement 2023 No. 39" in ev["measures"]["summary"]
    assert a.score == pytest.approx(74.91, abs=0.01)  # the score on the evaluation date
    assert ev["sources"]["trade"]["table"] == "core_baci__yearly_trade"
    assert ev["sources"]["trade"]["year"] == 2021
    assert ev["stock_cover"] == {"status": "no data", "cover_days": None}
    # the same data again: no new alert, no change
    again = ws.evaluate(as_of=date(2026, 11, 24))
    assert again["changes"] == 0
    with ws.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) == n_alerts


def test_lifecycle_with_audit_and_conflicts(ws: Workspace) -> None:
    ws.evaluate(as_of=date(2026, 11, 24))
    kr = _user(ws, "kr_a", "KR", "analyst")
    jp = _user(ws, "jp_a", "JP", "analyst")
    kor = ws.alerts(kr, importer="KOR", limit=500).items
    aid = kor[0]["id"]
    with pytest.raises(NotFound):
        ws.acknowledge(jp, aid, "not mine")  # JP never sees KOR alerts
    out = ws.acknowledge(kr, aid, "checking stocks")
    assert (out["status"], out["acknowledged_by"], out["acknowledge_comment"]) == (
        "acknowledged",
        "kr_a",
        "checking stocks",
    )
    with pytest.raises(Conflict):
        ws.acknowledge(kr, aid, "twice")
    done = ws.resolve(kr, aid, "supplier diversified")
    assert done["status"] == "resolved" and done["resolved_by"] == "kr_a"
    with pytest.raises(Conflict):
        ws.resolve(kr, aid, "again")
    detail = ws.alert(kr, aid)
    assert [(e["actor"], e["action"]) for e in detail["audit"]] == [
        ("system", "alert.raised"),
        ("kr_a", "alert.acknowledged"),
        ("kr_a", "alert.resolved"),
    ]
    assert detail["audit"][1]["detail"] == {"from": "new", "comment": "checking stocks"}
    # resolved by a person and the level unchanged: re-evaluation does not raise it again
    ws.evaluate(as_of=date(2026, 11, 24))
    assert ws.alert(kr, aid)["status"] == "resolved"
    assert all(a["id"] != aid or a["status"] == "resolved" for a in ws.alerts(kr, limit=500).items)


def test_the_board_as_of_a_past_day_shows_what_stood_then(ws: Workspace) -> None:
    clock = ws.clock
    assert isinstance(clock, FixedClock)
    ws.evaluate(as_of=date(2026, 11, 24))  # raised on 2026-11-24 (the clock's day)
    kr = _user(ws, "kr_a", "KR", "analyst")
    jp = _user(ws, "jp_a", "JP", "analyst")
    raised = ws.alerts(kr, importer="KOR", limit=500)
    aid = raised.items[0]["id"]
    clock.advance(days=1)
    ws.acknowledge(kr, aid, "checking stocks")  # 2026-11-25
    clock.advance(days=1)
    ws.resolve(kr, aid, "supplier diversified")  # 2026-11-26

    def board(day: date, status: str | None = None) -> dict[int, dict[str, Any]]:
        page = ws.alerts(kr, status, "KOR", None, 500, 0, as_of=day)
        assert page.total == len(page.items)
        return {int(a["id"]): a for a in page.items}

    assert board(date(2026, 11, 23)) == {}  # nothing was raised before
    then = board(date(2026, 11, 24))
    assert len(then) == raised.total
    assert (then[aid]["status"], then[aid]["acknowledged_by"], then[aid]["resolved_by"]) == (
        "new",
        None,
        None,
    )
    assert then[aid]["updated_at"] == then[aid]["created_at"] == "2026-11-24T12:00:00+00:00"
    mid = board(date(2026, 11, 25))[aid]
    assert (mid["status"], mid["acknowledged_by"], mid["acknowledge_comment"]) == (
        "acknowledged",
        "kr_a",
        "checking stocks",
    )
    assert mid["resolved_at"] is None and mid["updated_at"] == "2026-11-25T12:00:00+00:00"
    assert board(date(2026, 11, 26))[aid]["status"] == "resolved"
    assert board(date(2026, 11, 26))[aid] == next(
        a for a in ws.alerts(kr, importer="KOR", limit=500).items if a["id"] == aid
    )  # today's board and the board as of today agree
    # the status filter reads the status then
    assert aid in board(date(2026, 11, 25), status="acknowledged")
    assert aid not in board(date(2026, 11, 25), status="new")
    assert aid in board(date(2026, 11, 24), status="new")
    # tenancy as ever, and no date beyond today
    assert all(a["importer_id"] != "KOR" for a in ws.alerts(jp, as_of=date(2026, 11, 25)).items)
    with pytest.raises(ConfigError) as e:
        ws.alerts(kr, as_of=date(2026, 11, 27))
    assert e.value.field == "as_of" and "outside the data's range" in str(e.value)


def test_low_cover_escalates_and_full_cover_deescalates(ws: Workspace) -> None:
    when = date(2026, 11, 24)
    ws.evaluate(as_of=when)
    kr = _user(ws, "kr_b", "KR", "analyst")
    jp = _user(ws, "jp_v", "JP", "viewer")
    base = {a["item_id"]: a for a in ws.alerts(kr, importer="KOR", limit=500).items}
    item = "cobalt"
    assert base[item]["level"] == 3  # engine level (경계) before any stock data
    # 36,500 t a year = 100 t a day; KR's target is KOMIR's 100 days
    ws.add_consumption(kr, item, 36_500.0, date(2026, 1, 1), "KR survey")
    ws.add_stocks(
        kr,
        [
            {
                "item_id": item,
                "holder": "national",
                "quantity_t": 2_000.0,
                "as_of_date": "2026-10-01",
            }
        ],
    )
    ws.add_stocks(
        kr,
        [{"item_id": item, "holder": "private", "quantity_t": 1_000.0, "as_of_date": "2026-10-01"}],
    )
    cov = {c["item_id"]: c for c in ws.cover(kr, "KOR", when)}[item]
    assert cov["cover_days"] == pytest.approx(30.0)  # 3,000 t / 100 t a day
    assert cov["gap_days"] == pytest.approx(70.0)
    assert cov["by_holder_t"] == {"national": 2000.0, "private": 1000.0}
    ws.evaluate(as_of=when)
    now = {a["item_id"]: a for a in ws.alerts(kr, importer="KOR", status="new", limit=500).items}
    assert now[item]["level"] == 4 and now[item]["previous_level"] == 3
    detail = ws.alert(kr, now[item]["id"])
    assert detail["evidence"]["stock_cover"]["cover_days"] == 30.0
    assert detail["evidence"]["engine_level"] == 3
    old = ws.alert(kr, base[item]["id"])
    assert old["status"] == "resolved" and old["resolved_by"] == "system"
    # stock at the target: one level below the engine's
    ws.add_stocks(
        kr,
        [
            {
                "item_id": item,
                "holder": "in_transit",
                "quantity_t": 7_000.0,
                "as_of_date": "2026-11-01",
            }
        ],
    )
    ws.evaluate(as_of=when)
    lv = {a["item_id"]: a for a in ws.alerts(kr, importer="KOR", status="new", limit=500).items}
    assert lv[item]["level"] == 2
    # the other side sees bloc aggregates only, never KR's tonnes
    jpa = _user(ws, "jp_b", "JP", "analyst")
    ws.add_consumption(jpa, item, 36_500.0, date(2026, 1, 1), "JP survey")  # bloc: 200 t a day
    bloc = {c["item_id"]: c for c in ws.cover(jp, "BLOC", when)}[item]
    assert "stock_t" not in bloc and "by_holder_t" not in bloc
    # KR alone holds stock: the bloc figure would reveal KR's, so it is withheld
    assert bloc["contributing_orgs"] == ["KR"] and bloc["cover_days"] is None
    withheld = "withheld: fewer than two national contributors besides the viewer's organisation"
    assert bloc["status"] == withheld
    ws.add_stocks(
        jpa,
        [{"item_id": item, "holder": "national", "quantity_t": 500.0, "as_of_date": "2026-10-01"}],
    )
    # JP contributes too, but JP minus its own 500 t would give KR's: still withheld for JP
    bloc = {c["item_id"]: c for c in ws.cover(jp, "BLOC", when)}[item]
    assert bloc["contributing_orgs"] == ["JP", "KR"] and bloc["status"] == withheld
    assert bloc["cover_days"] is None
    # the joint view holds no national stock: it sees the aggregate
    joint = _user(ws, "joint_b", "JOINT", "viewer")
    bloc = {c["item_id"]: c for c in ws.cover(joint, "BLOC", when)}[item]
    assert bloc["status"] == "ok" and bloc["cover_days"] == 52.5  # 10,500 t / 200 t a day
    assert "stock_t" not in bloc and bloc["consumption_basis"] == "entered"
    assert all(e["org"] != "KR" for e in ws.stocks(jp, 500, 0).items)


def test_stock_csv_errors_name_row_and_column_and_store_nothing(ws: Workspace) -> None:
    kr = _user(ws, "kr_c", "KR", "analyst")
    bad = (
        b"item_id,holder,quantity_t,as_of_date\n"
        b"gallium,national,10,2026-01-01\n"
        b"unobtainium,national,5,2026-01-01\n"
        b"gallium,warehouse,-3,2026-13-01\n"
    )
    with pytest.raises(InputError) as e:
        ws.upload_stocks_csv(kr, "kr-stocks.csv", bad)
    locs = [tuple(x["loc"]) for x in e.value.errors]
    assert locs == [
        ("kr-stocks.csv", "row 3", "item_id"),
        ("kr-stocks.csv", "row 4", "holder"),
        ("kr-stocks.csv", "row 4", "quantity_t"),
        ("kr-stocks.csv", "row 4", "as_of_date"),
    ]
    assert ws.stocks(kr, 10, 0).total == 0  # the good row was not stored either
    with pytest.raises(InputError) as e2:
        ws.upload_stocks_csv(kr, "x.csv", b"item,qty\ngallium,1\n")
    assert "missing column(s) item_id, holder, quantity_t, as_of_date" in str(e2.value)
    with pytest.raises(InputError) as e3:  # a header and no rows
        ws.upload_stocks_csv(kr, "empty.csv", b"item_id,holder,quantity_t,as_of_date\n")
    assert e3.value.errors == [{"loc": ["empty.csv"], "msg": "no rows"}]
    assert ws.stocks(kr, 10, 0).total == 0
    ids = ws.upload_stocks_csv(
        kr, "ok.csv", b"item_id,holder,quantity_t,as_of_date\ngallium,national,10,2026-01-01\n"
    )
    assert len(ids) == 1
    with ws.sessions() as s:
        audit = s.scalars(select(AuditEntry.action).where(AuditEntry.actor == "kr_c")).all()
    assert "stock.entered" in audit


def test_alerts_on_stale_data_are_resolved_by_the_system(ws: Workspace) -> None:
    ws.evaluate(as_of=date(2026, 11, 24))
    kr = _user(ws, "kr_s", "KR", "analyst")
    before = ws.alerts(kr, importer="KOR", status="new", limit=500).items
    assert before
    # by 2028-06-02 BACI 2024 (2026-01-31), WMD 2024 (2026-05-31) and the Pink Sheet are all
    # past the ladder's limits: nothing may be scored, and no alert stays open on stale data
    out = ws.evaluate(as_of=date(2028, 6, 2))
    assert out["changes"] > 0
    assert ws.alerts(kr, importer="KOR", status="new", limit=500).items == []
    gone = ws.alert(kr, before[0]["id"])
    assert gone["status"] == "resolved" and gone["resolved_by"] == "system"
    assert gone["resolve_comment"].startswith("superseded: stale: ")
    assert "past the 730-day limit" in gone["resolve_comment"]
