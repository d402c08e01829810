"""Japan MOF trade statistics via e-Stat on recorded JSON: values, paging, fetch, bad input.

No test touches the network (real transport and sockets disabled; mock transports refuse
unexpected URLs).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.contract.conftest import recorded_snapshot

from supplywatch.errors import ConfigError, DataError
from supplywatch.sources import japan_customs as jc
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import read_snapshot, trade_schema, write_snapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "estat"
IMPORTS = jc.EstatTable("0003900001", "M")
EXPORTS = jc.EstatTable("0003900002", "X")
P1 = "getStatsData_0003900001_M_p001.json"
P2 = "getStatsData_0003900001_M_p002.json"
PX = "getStatsData_0003900002_X_p001.json"
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def snapshot_of(tmp_path: Path, files: dict[str, str]) -> Path:
    """A snapshot of recorded files; ``files`` maps file name -> flow."""
    data = {Path(n).name: (DATA / n).read_bytes() for n in files}
    requests = [{"file": Path(n).name, "flow": flow} for n, flow in files.items()]
    return recorded_snapshot(tmp_path, "japan_customs", jc.URL, data, query={"requests": requests})


def check_rows(t: Any) -> None:
    assert t.schema == trade_schema()
    rows = {
        (r["flow_code"], r["partner_id_iso3"], r["period_start_date"]): r for r in t.to_pylist()
    }
    assert set(rows) == {
        ("M", "CHN", date(2023, 1, 1)),
        ("M", "USA", date(2023, 1, 1)),
        ("M", "CHN", date(2023, 2, 1)),
        ("X", "KOR", date(2023, 1, 1)),
    }
    cn = rows[("M", "CHN", date(2023, 1, 1))]
    assert cn["value_kjpy"] == 1_234_567  # 金額, thousand yen
    assert cn["qty"] == 2_500_000 and cn["qty_unit_code"] == "KG"  # 第1数量 "-": no unit
    assert cn["net_weight_kg"] == 2_500_000 and cn["source_row_number"] == 1
    us = rows[("M", "USA", date(2023, 1, 1))]  # its VALUEs span the two pages
    assert us["value_kjpy"] == 56_789 and us["qty"] == 12_000
    assert us["source_row_number"] == 4 and us["file_name"] == P1
    assert rows[("M", "CHN", date(2023, 2, 1))]["source_row_number"] == 7
    kr = rows[("X", "KOR", date(2023, 1, 1))]
    assert kr["qty"] == 12.5 and kr["qty_unit_code"] == "MT" and kr["net_weight_kg"] == 12_500
    assert kr["value_kjpy"] == 3456 and kr["source_row_number"] == 9 and kr["file_name"] == PX
    for r in rows.values():
        assert r["source_name"] == "japan_customs" and r["reporter_id_iso3"] == "JPN"
        assert r["freq_code"] == "M" and r["ref_year"] == 2023
        assert r["classification_code"] == "JPSTAT" and r["product_code"] == "250410000"
        assert r["product_id_hs6"] == "250410" and r["value_usd"] is None
        assert r["is_qty_estimated"] is False


def test_parse_joins_measures_and_pages(tmp_path: Path) -> None:
    check_rows(jc.parse(snapshot_of(tmp_path, {P1: "M", P2: "M", PX: "X"})))


def test_fetch_follows_next_key_and_parse_reads_the_snapshot_back(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host != "api.e-stat.go.jp" or request.url.path != (
            "/rest/3.0/app/json/getStatsData"
        ):
            raise AssertionError(f"unexpected URL {request.url}")
        seen.append(request)
        p = request.url.params
        if p["statsDataId"] == "0003900002":
            name = PX
        else:
            name = P2 if p.get("startPosition") == "5" else P1
        return httpx.Response(200, content=(DATA / name).read_bytes())

    client = HttpClient(
        timeout_s=5,
        max_retries=0,
        min_interval_s=0,
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
    )
    with client:
        snap = jc.fetch(
            tables=[IMPORTS, EXPORTS],
            app_id="APPID-SECRET",
            products=["250410000"],
            partners=["105", "304", "103"],
            times=[jc.time_code(2023, 1), jc.time_code(2023, 2)],
            client=client,
            snapshot_dir=tmp_path,
            now=NOW,
        )
    assert [r.url.params.get("startPosition") for r in seen] == [None, "5", None]
    first = seen[0].url.params
    assert first["appId"] == "APPID-SECRET" and first["cdCat01"] == "250410000"
    assert first["cdArea"] == "105,304,103" and first["cdTime"] == "2023000101,2023000202"
    prov, query = read_snapshot(snap)
    assert [f.name for f in prov.files] == [P1, P2, PX]
    assert [f.rows for f in prov.files] == [4, 4, 2]
    for f in prov.files:
        assert f.sha256 == hashlib.sha256((DATA / f.name).read_bytes()).hexdigest()
    assert [r["flow"] for r in query["requests"]] == ["M", "M", "X"]
    assert "APPID-SECRET" not in (snap / "snapshot.json").read_text()
    check_rows(jc.parse(snap))


@pytest.mark.parametrize(
    ("name", "row", "column", "value", "message"),
    [
        ("bad/missing_field.json", 2, "@area", None, "missing field"),
        ("bad/unknown_area.json", 2, "@area", "999", "unknown country code"),
        ("bad/non_numeric.json", 2, "$", "1,2x", "not a number"),
        ("bad/status_error.json", None, None, "100", "e-Stat status 100"),
        ("bad/truncated.json", None, None, None, "not valid JSON"),
    ],
)
def test_bad_responses_name_file_row_and_field(
    tmp_path: Path,
    name: str,
    row: int | None,
    column: str | None,
    value: str | None,
    message: str,
) -> None:
    with pytest.raises(DataError) as info:
        jc.parse(snapshot_of(tmp_path, {name: "X"}))
    err = info.value
    assert err.file.endswith(Path(name).name)
    assert (err.row, err.column, err.value) == (row, column, value)
    assert message in err.message


def test_file_without_a_recorded_flow_is_an_error(tmp_path: Path) -> None:
    snap = write_snapshot(
        tmp_path,
        "japan_customs",
        {PX: (DATA / PX).read_bytes()},
        producer="t",
        licence="t",
        attribution="t",
        url="t",
        vintage="t",
        vintage_date=date(2025, 1, 1),
        query={},
        rows={PX: 2},
        now=NOW,
    )
    with pytest.raises(DataError, match="flow"):
        jc.parse(snap)


def test_time_codes() -> None:
    assert jc.time_code(2023, 1) == "2023000101"
    assert jc.time_code(2023, 12) == "2023001212"
    assert jc.time_code(2023) == "2023000000"


def test_request_parameters() -> None:
    url, params = jc.build_request(
        IMPORTS, app_id="A", products=["250410000", "280530000"], start_position=100001
    )
    assert url == "https://api.e-stat.go.jp/rest/3.0/app/json/getStatsData"
    assert params["appId"] == "A" and params["statsDataId"] == "0003900001"
    assert params["cdCat01"] == "250410000,280530000" and params["startPosition"] == "100001"
    assert params["limit"] == "100000" and "cdArea" not in params


@pytest.mark.parametrize(
    "kwargs", [{"products": ["25041000"]}, {"products": ["2504100000"]}, {"limit": 100_001}]
)
def test_bad_requests_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        jc.build_request(IMPORTS, **{"app_id": "A", "products": ["250410000"], **kwargs})
