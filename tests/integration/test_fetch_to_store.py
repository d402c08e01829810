"""`fetch` writes a snapshot (recorded responses served locally, no network) that
`ingest --snapshot` loads like any other source; re-loading is a no-op."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from tests.conftest import TEST_DATA

from supplywatch.services import Services

RECORDED = TEST_DATA / "comtrade" / "annual_KOR_M_2504_2023_excerpt.json"


def _transport() -> httpx.MockTransport:
    records = json.loads(RECORDED.read_text(encoding="utf-8"))
    records = records["data"] if isinstance(records, dict) else records
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "comtradeapi.un.org" not in request.url.host:
            raise AssertionError(f"unexpected host {request.url}")
        six = [dict(r, cmdCode="250410", aggrLevel=6) for r in records]
        return httpx.Response(
            200, json={"elapsedTime": "0.1 secs", "count": len(six), "data": six, "error": ""}
        )

    t = httpx.MockTransport(handler)
    t.seen = seen  # type: ignore[attr-defined]
    return t


def test_fetch_then_ingest(services: Services) -> None:
    transport = _transport()
    path = services.fetch(
        "comtrade", transport=transport, reporters=["KOR"], hs=["250410"], years=[2023]
    )
    assert path.parent == services.settings.snapshot_dir / "comtrade"
    req = transport.seen[0]  # type: ignore[attr-defined]
    assert "reporterCode=410" in str(req.url) and "cmdCode=250410" in str(req.url)
    result = services.ingest_snapshot(path)
    assert result.status == "loaded" and result.rows["core_customs__trade_flows"] >= 4
    rows = services.as_of(
        "core_customs__trade_flows",
        __import__("datetime").date(2026, 1, 1),
        "partner_id_iso3 = 'CHN'",
    )
    assert len(rows) == 1
    assert rows[0]["value_usd"] == 106828338.0
    assert rows[0]["net_weight_kg"] == pytest.approx(51321534.575)
    assert str(rows[0]["available_date"]) <= "2024-06-30"
    assert services.ingest_snapshot(path).status == "unchanged"


def test_wgi_api_snapshot_becomes_a_release(services: Services, tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from supplywatch.sources.snapshots import write_snapshot

    services.ingest(["wgi"])
    pages = sorted((TEST_DATA / "worldbank").glob("*.json"))
    files = {p.name: p.read_bytes() for p in pages}
    rows = {p.name: len(json.loads(p.read_bytes())[1] or []) for p in pages}
    path = write_snapshot(
        tmp_path / "snaps",
        "worldbank_wgi",
        files,
        producer="World Bank",
        licence="CC BY 4.0",
        attribution="WGI",
        url="api",
        vintage="test",
        vintage_date=date(2026, 11, 1),
        query={},
        rows=rows,
        now=datetime(2026, 11, 1, tzinfo=UTC),
    )
    result = services.ingest_snapshot(path)
    assert result.status == "loaded"
    loaded = services.as_of(
        "core_wgi__yearly_governance", date(2026, 11, 2), "wgi_release_code = 'WGI-API-20261101'"
    )
    assert loaded and all(r["vintage_date"] == date(2026, 11, 1) for r in loaded)
    # before the fetch, that release is not known
    assert (
        services.as_of(
            "core_wgi__yearly_governance",
            date(2026, 10, 31),
            "wgi_release_code = 'WGI-API-20261101'",
        )
        == []
    )


def test_fetched_annual_imports_fill_a_gap_in_baci(services: Services) -> None:
    """The fill command of an item without trade does fill it: Comtrade's annual imports
    reported by Korea become its trade figures where BACI lacks them, and say so."""
    from datetime import date

    services.ingest()  # the tiny extracts: BACI holds rare earths and germanium only
    when = date(2025, 6, 1)
    before = {r["item_id"]: r for r in services.screen("KOR", when, None)}["natural_graphite"]
    assert before["item_state_code"] == "partial"  # production data only
    assert before["fill_command_text"] == (
        "supplywatch fetch comtrade --reporter KOR --hs 250410 --hs 250490 --years 2015-2025"
    )
    path = services.fetch(
        "comtrade", transport=_transport(), reporters=["KOR"], hs=["250410"], years=[2023]
    )
    assert services.ingest_snapshot(path).status == "loaded"
    after = {r["item_id"]: r for r in services.screen("KOR", when, None)}["natural_graphite"]
    assert after["item_state_code"] == "scored"
    assert (after["trade_year"], after["top_supplier_id_iso3"]) == (2023, "CHN")
    # China 106,828,338 of the four bilateral rows' USD (the World row never counts)
    exp = services.explain("natural_graphite", "KOR", when)
    assert exp["evidence"]["trade"]["source"] == "UN Comtrade"
    total = sum(s["value_kusd"] for s in exp["supplier_shares"] if s["year"] == 2023)
    assert after["import_value_kusd"] == pytest.approx(total, abs=0.1)  # rounded to 0.1 kUSD
    assert after["top_supplier_share"] == pytest.approx(106828.338 / total, abs=5e-5)
