"""Briefings, watch-lists and exports through the service: a briefing is kept for its
organisation only (with that organisation's cover, never the other side's), made weekly by the
schedule, downloadable as HTML or PDF in each language; watch-lists raise inbox notifications
and webhook deliveries with tenancy; every list exports as CSV and xlsx with units and
sources; the value chain of an item."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from supplywatch.clock import FixedClock
from supplywatch.workspace import Workspace
from tests.service.conftest import Seeded, service_settings

PAST = {"importer": "KOR", "as_of": "2025-10-15", "since": "2025-10-01"}


def test_briefing_kept_for_its_organisation_and_downloadable(seeded_sqlite: Seeded) -> None:
    s = seeded_sqlite
    r = s.client.post("/api/v1/briefings", json=PAST, headers=s.headers("KR", "analyst"))
    assert r.status_code == 201, r.text
    b = r.json()
    assert (b["org"], b["importer_id"], b["as_of"], b["since"]) == (
        "KR",
        "KOR",
        "2025-10-15",
        "2025-10-01",
    )
    assert b["counts"]["level_changes"] == 2 and b["counts"]["measures_new"] == 6
    assert [c["item_id"] for c in b["data"]["level_changes"]] == ["platinum", "lithium"]
    # listed for KR, invisible to JP
    mine = s.client.get("/api/v1/briefings", headers=s.headers("KR", "viewer")).json()
    assert b["id"] in [x["id"] for x in mine["items"]] and "data" not in mine["items"][0]
    jp = s.client.get("/api/v1/briefings", headers=s.headers("JP", "admin")).json()
    assert b["id"] not in [x["id"] for x in jp["items"]]
    assert (
        s.client.get(f"/api/v1/briefings/{b['id']}", headers=s.headers("JP", "admin")).status_code
        == 404
    )
    assert (
        s.client.get(
            f"/api/v1/briefings/{b['id']}/file", headers=s.headers("JP", "admin")
        ).status_code
        == 404
    )
    # downloads: PDF in Korean, HTML in Japanese
    pdf = s.client.get(
        f"/api/v1/briefings/{b['id']}/file?lang=ko&format=pdf", headers=s.headers("KR", "viewer")
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "supplywatch-briefing-KOR-2025-10-15-ko.pdf" in pdf.headers["content-disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "주간 공급망 조기경보 브리핑" in text.replace("\n", "") and "갈륨" in text
    html = s.client.get(
        f"/api/v1/briefings/{b['id']}/file?lang=ja&format=html", headers=s.headers("KR", "viewer")
    )
    assert html.headers["content-type"].startswith("text/html") and "ガリウム" in html.text
    # refused: another side's importer, a viewer making one, a bad language
    r = s.client.post(
        "/api/v1/briefings", json={**PAST, "importer": "JPN"}, headers=s.headers("KR", "analyst")
    )
    assert r.status_code == 403
    assert (
        s.client.post("/api/v1/briefings", json=PAST, headers=s.headers("KR", "viewer")).status_code
        == 403
    )
    bad = s.client.get(
        f"/api/v1/briefings/{b['id']}/file?lang=fr", headers=s.headers("KR", "viewer")
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "lang"]
    r = s.client.post(
        "/api/v1/briefings",
        json={**PAST, "since": "2025-10-15"},
        headers=s.headers("KR", "analyst"),
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "since"]


def test_each_side_sees_its_own_cover_only(seeded: Seeded) -> None:
    s = seeded
    day = "2025-10-01"
    h = s.headers("KR", "analyst")
    entry = {"item_id": "gallium", "holder": "national", "quantity_t": 12.5, "as_of_date": day}
    assert s.client.post("/api/v1/stocks", json={"entries": [entry]}, headers=h).status_code == 201
    cons = {"item_id": "gallium", "tonnes_per_year": 365.0, "as_of_date": day}
    assert s.client.post("/api/v1/stocks/consumption", json=cons, headers=h).status_code == 201
    # entered today (the service's clock): known to a briefing of today, not of the past
    now = {"importer": "KOR", "as_of": "2026-11-24"}
    kr = s.client.post("/api/v1/briefings", json=now, headers=h).json()
    ga = next(c for c in kr["data"]["cards"] if c["item_id"] == "gallium")
    assert ga["cover_days"] == 12.5  # 12.5 t over 1 t a day
    assert "KR national" in ga["cover_basis"]
    past = s.client.post("/api/v1/briefings", json=PAST, headers=h).json()
    assert next(c for c in past["data"]["cards"] if c["item_id"] == "gallium")["cover_days"] is None
    # Japan's and the joint briefings never carry Korea's figure
    for org, imp in (("JP", "JPN"), ("JOINT", "BLOC"), ("JP", "BLOC")):
        r = s.client.post(
            "/api/v1/briefings", json={**now, "importer": imp}, headers=s.headers(org, "analyst")
        )
        assert r.status_code == 201, r.text
        cards = {c["item_id"]: c for c in r.json()["data"]["cards"]}
        assert "gallium" in cards and cards["gallium"]["cover_days"] is None, (org, imp)
        assert "12.5" not in str(r.json()["data"])


def test_the_schedule_makes_one_briefing_per_organisation_a_week(
    store_path: Path, tmp_path: Path
) -> None:
    ws = Workspace(
        service_settings(store_path, f"sqlite:///{tmp_path / 's.sqlite'}"),
        clock=FixedClock(datetime(2026, 11, 23, 0, 5, tzinfo=UTC)),
    )
    try:
        ids = ws.weekly_briefings()
        again = ws.weekly_briefings()
        assert ids == again and len(set(ids)) == 3
        ws.create_user(None, "jp_v", "JP", "viewer", "pw-0123456789")
        p = ws.login("jp_v", "pw-0123456789", "t")[2]
        page = ws.briefings(p, 50, 0)
        assert page.total == 1
        b = page.items[0]
        assert (b["importer_id"], b["as_of"], b["since"], b["trigger"]) == (
            "JPN",
            "2026-11-23",
            "2026-11-16",
            "schedule",
        )
    finally:
        ws.close()


def _user(ws: Workspace, name: str, org: str, role: str) -> Any:
    ws.create_user(None, name, org, role, "pw-0123456789")
    return ws.login(name, "pw-0123456789", "t")[2]


def test_watch_lists_raise_notifications_with_tenancy(store_path: Path, db_url: str) -> None:
    ws = Workspace(
        service_settings(store_path, db_url),
        clock=FixedClock(datetime(2026, 11, 24, 9, tzinfo=UTC)),
    )
    try:
        kra = _user(ws, "kr_a", "KR", "analyst")
        krv = _user(ws, "kr_v", "KR", "viewer")
        jpa = _user(ws, "jp_a", "JP", "analyst")
        ws.add_webhook(_user(ws, "kr_admin", "KR", "admin"), "http://127.0.0.1:9/hook", "s" * 20)
        org_w = ws.watch_add(kra, "item", "리튬", scope="org")  # a name in Korean
        assert (org_w["target"], org_w["scope"]) == ("lithium", "org")
        ws.watch_add(krv, "imposer", "chn")
        ws.watch_add(jpa, "item", "lithium")
        # refused: a viewer's organisation-wide entry, an unknown target, a duplicate
        for call, code in (
            (lambda: ws.watch_add(krv, "item", "gallium", scope="org"), "AccessDenied"),
            (lambda: ws.watch_add(kra, "supplier", "XXX"), "InputError"),
            (lambda: ws.watch_add(kra, "item", "unobtainium"), "InputError"),
            (lambda: ws.watch_add(kra, "item", "lithium", scope="org"), "Conflict"),
        ):
            try:
                call()
            except Exception as exc:  # noqa: BLE001
                assert type(exc).__name__ == code
            else:
                raise AssertionError(code)
        assert ws.watch_list(krv, 50, 0).total == 2  # own + the organisation's
        assert ws.watch_list(jpa, 50, 0).total == 1
        ws.evaluate(as_of=date(2025, 10, 1))
        ws.evaluate(as_of=date(2025, 10, 15))
        kr_inbox = ws.notifications(krv, False, 100, 0).items
        kinds = {(n["kind"], n["item_id"], n["importer_id"], n["measure_id"]) for n in kr_inbox}
        # lithium KOR 관심 -> 경계 on 2025-10-09: the organisation's watch
        assert ("level_change", "lithium", "KOR", None) in kinds
        # China's six announcements of 9 October: the viewer's own imposer watch
        measures = {n["measure_id"] for n in kr_inbox if n["kind"] == "measure"}
        assert measures == {
            "CN-MOFCOM-2025-61",
            "CN-MOFCOM-2025-62",
            "CN-MOFCOM-GACC-2025-55",
            "CN-MOFCOM-GACC-2025-56",
            "CN-MOFCOM-GACC-2025-57",
            "CN-MOFCOM-GACC-2025-58",
        }
        no58 = next(n for n in kr_inbox if n["measure_id"] == "CN-MOFCOM-GACC-2025-58")
        assert no58["watch_kinds"] == ["imposer", "item"]  # No. 58 covers lithium too
        # Japan's analyst watches lithium too, but never hears of Korea's alert
        jp_inbox = ws.notifications(jpa, False, 100, 0).items
        assert all(n["importer_id"] != "KOR" for n in jp_inbox)
        assert "CN-MOFCOM-GACC-2025-58" in {n["measure_id"] for n in jp_inbox}
        # the analyst who made the organisation's entry gets it as well; read marks
        kra_inbox = ws.notifications(kra, True, 100, 0)
        assert any(
            n["item_id"] == "lithium" and n["kind"] == "level_change" for n in kra_inbox.items
        )
        first = kra_inbox.items[0]
        assert ws.notification_read(kra, first["id"])["read"] is True
        assert ws.notifications(kra, True, 100, 0).total == kra_inbox.total - 1
        # one webhook delivery per event for KR's webhook, none about JPN
        deliveries = ws.deliveries(ws.login("kr_admin", "pw-0123456789", "t")[2])
        watch = [d for d in deliveries if (d["event_key"] or "").startswith("watch:")]
        assert watch and {d["event"] for d in watch} == {"watch.matched"}
        assert "watch:alert:" in " ".join(d["event_key"] for d in watch)
        ws.watch_delete(
            krv, next(w["id"] for w in ws.watch_list(krv, 50, 0).items if w["scope"] == "me")
        )
        assert ws.watch_list(krv, 50, 0).total == 1
    finally:
        ws.close()


def test_every_list_exports_as_csv_and_xlsx(seeded_sqlite: Seeded) -> None:
    s = seeded_sqlite
    h = s.headers("JP", "viewer")
    js = s.client.get("/api/v1/alerts?limit=20", headers=h).json()
    csv = s.client.get("/api/v1/alerts?limit=20&format=csv", headers=h)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith("\ufeff".encode())
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["id", "item_id", "importer_id"]
    assert len(lines) == 1 + len(js["items"])
    assert all(",KOR," not in line for line in lines[1:])  # Japan never sees Korea's alerts
    x = s.client.get("/api/v1/alerts?limit=20&format=xlsx", headers=h)
    assert x.headers["content-disposition"] == 'attachment; filename="supplywatch-alerts.xlsx"'
    wb = load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames == ["about", "data"]
    about = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True) if r and r[0]}
    assert about["table"] == "/alerts" and about["organisation"] == "JP"
    units = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True) if r and r[0]}
    # every column is listed with its unit
    assert units["created_at"] == "date and time (UTC)"
    assert units["level"].startswith("alert level 0-4") and "changed_on" in units
    assert "baci" in units  # the sources block names each source
    data = list(wb["data"].iter_rows(values_only=True))
    assert data[0][:2] == ("id", "item_id") and len(data) == 1 + len(js["items"])
    # a dashboard table posted back: CSV injection is defused, rows must fit the columns
    body = {
        "title": "plan table",
        "columns": ["item", "t"],
        "rows": [["=HYPERLINK(1)", 3.5]],
        "units": ["", "tonnes"],
    }
    r = s.client.post("/api/v1/exports?format=xlsx", json=body, headers=h)
    wb = load_workbook(io.BytesIO(r.content))
    assert list(wb["data"].iter_rows(values_only=True)) == [("item", "t"), ("'=HYPERLINK(1)", 3.5)]
    units = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True) if r and r[0]}
    assert units["t"] == "tonnes" and units["table"] == "plan table"
    r = s.client.post("/api/v1/exports?format=csv", json={**body, "rows": [["a"]]}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "rows", 0]


def test_value_chain_of_an_item(seeded_sqlite: Seeded) -> None:
    s = seeded_sqlite
    r = s.client.get(
        "/api/v1/items/gallium/value-chain?importer=JPN&as_of=2026-11-24",
        headers=s.headers("JP", "viewer"),
    )
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["nodes"][0]["node_id"] == "gallium" and v["importer_id"] == "JPN"
    assert "telecom_equipment" in {i["node_id"] for i in v["industries"]}
    assert all(e["source_url"].startswith("http") for e in v["edges"])
    assert (
        s.client.get(
            "/api/v1/items/unobtainium/value-chain", headers=s.headers("JP", "viewer")
        ).status_code
        == 404
    )


def test_changes_are_since_the_last_briefing(store_path: Path, tmp_path: Path) -> None:
    ws = Workspace(
        service_settings(store_path, f"sqlite:///{tmp_path / 's.sqlite'}"),
        clock=FixedClock(datetime(2026, 11, 24, 9, tzinfo=UTC)),
    )
    try:
        p = _user(ws, "kr_a", "KR", "analyst")
        first = ws.create_briefing(p, "KOR", date(2025, 10, 1))
        assert first["since"] == "2025-09-24"  # none before: the last week
        second = ws.create_briefing(p, "KOR", date(2025, 10, 15))
        assert second["since"] == "2025-10-01"  # since the last one
        assert [r["item_id"] for r in second["data"]["level_changes"]] == ["platinum", "lithium"]
        later = ws.create_briefing(p, "KOR", date(2026, 1, 15))  # more than a month after
        assert later["since"] == "2026-01-08"
    finally:
        ws.close()
