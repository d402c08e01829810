"""UN Comtrade connector on recorded responses: parsed values, requests, fetch, bad input.

No test touches the network: the real transport and sockets are disabled and every request
is answered by an ``httpx.MockTransport`` that refuses unexpected URLs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pytest
from tests.contract.conftest import recorded_snapshot

from supplywatch.errors import ConfigError, DataError
from supplywatch.sources import comtrade
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import read_snapshot, trade_schema, write_snapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "comtrade"
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def snapshot_of(tmp_path: Path, *names: str) -> Path:
    """A snapshot holding recorded files (paths relative to tests/data/comtrade)."""
    files = {Path(n).name: (DATA / n).read_bytes() for n in names}
    return recorded_snapshot(
        tmp_path, "comtrade", comtrade.BASE_URL, files, attribution="UN Comtrade"
    )


def rows_by(table: pa.Table, key: str) -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in table.to_pylist()}


def test_kor_graphite_values(tmp_path: Path) -> None:
    t = comtrade.parse(snapshot_of(tmp_path, "annual_KOR_M_2504_2023_excerpt.json"))
    assert t.schema == trade_schema()
    assert t.num_rows == 5
    by = rows_by(t, "partner_id_iso3")
    assert set(by) == {"WLD", "CHN", "JPN", "DEU", "USA"}
    chn = by["CHN"]
    assert chn["net_weight_kg"] == 51_321_534.575
    assert chn["qty"] == 51_321_534.575 and chn["qty_unit_code"] == "kg"
    assert chn["value_usd"] == 106_828_338.0
    wld = by["WLD"]  # partner 0: World total, no quantity (qtyUnitCode -1, qty 0.0)
    assert wld["value_usd"] == 110_404_530.0
    assert wld["qty"] is None and wld["qty_unit_code"] is None and wld["net_weight_kg"] is None
    assert by["USA"]["is_qty_estimated"] is True  # Comtrade area 842, quantity estimated
    assert not any(r["is_qty_estimated"] for p, r in by.items() if p != "USA")
    for r in by.values():
        assert r["source_name"] == "comtrade" and r["reporter_id_iso3"] == "KOR"
        assert r["freq_code"] == "A" and r["period_start_date"] == date(2023, 1, 1)
        assert r["ref_year"] == 2023 and r["flow_code"] == "M"
        assert r["classification_code"] == "H6" and r["product_code"] == "2504"
        assert r["product_id_hs6"] is None  # an HS4 heading has no HS6 code
        assert r["value_kjpy"] is None
        assert r["file_name"] == "annual_KOR_M_2504_2023_excerpt.json"
    assert t.column("source_row_number").to_pylist() == [1, 2, 3, 4, 5]


def test_comtrade_area_codes_and_other_asia(tmp_path: Path) -> None:
    t = comtrade.parse(snapshot_of(tmp_path, "annual_JPN_M_2504_2023_excerpt.json"))
    by = rows_by(t, "partner_id_iso3")
    assert set(by) == {"WLD", "CHN", "S19", "IND", "USA"}  # 490 -> S19, 699 -> IND, 842 -> USA
    assert by["WLD"]["qty"] == 51_571_165.517 and by["WLD"]["is_qty_estimated"] is True
    assert by["S19"]["value_usd"] == 3850.773
    assert by["CHN"]["value_usd"] == 73_925_611.246 and by["CHN"]["is_qty_estimated"] is False
    assert set(t.column("reporter_id_iso3").to_pylist()) == {"JPN"}


def test_full_keyed_response_with_descriptions(tmp_path: Path) -> None:
    t = comtrade.parse(snapshot_of(tmp_path, "get_C_A_HS_156_2010_TOTAL.json"))
    got = {(r["flow_code"], r["partner_id_iso3"]): r for r in t.to_pylist()}
    assert set(got) == {("M", "ARG"), ("M", "DEU"), ("X", "ARG"), ("X", "DEU")}
    assert got[("M", "DEU")]["value_usd"] == 74_251_272_075.0  # CIF
    assert got[("X", "DEU")]["value_usd"] == 68_047_133_397.0  # FOB
    for r in got.values():
        assert r["reporter_id_iso3"] == "CHN" and r["classification_code"] == "H3"
        assert r["product_code"] == "TOTAL" and r["product_id_hs6"] is None
        assert r["qty"] is None and r["net_weight_kg"] is None  # qty null, unit -1


def test_monthly_rows_skip_reexports_and_breakdowns(tmp_path: Path) -> None:
    t = comtrade.parse(snapshot_of(tmp_path, "monthly_format_reference_KOR_250410_2023.json"))
    rows = t.to_pylist()
    assert [r["source_row_number"] for r in rows] == [1, 2, 3, 4]  # RX (5), mot 2100 (6) skipped
    assert {r["flow_code"] for r in rows} == {"M", "X"}
    assert [r["period_start_date"] for r in rows] == [
        date(2023, 1, 1),
        date(2023, 1, 1),
        date(2023, 2, 1),
        date(2023, 2, 1),
    ]
    assert all(r["freq_code"] == "M" and r["product_id_hs6"] == "250410" for r in rows)
    assert rows[0]["partner_id_iso3"] == "WLD" and rows[0]["qty"] is None


def test_record_numbers_run_across_files(tmp_path: Path) -> None:
    snap = snapshot_of(
        tmp_path, "annual_KOR_M_2504_2023_excerpt.json", "annual_JPN_M_2504_2023_excerpt.json"
    )
    t = comtrade.parse(snap)
    assert t.column("source_row_number").to_pylist() == list(range(1, 11))
    assert t.column("file_name").to_pylist()[5] == "annual_JPN_M_2504_2023_excerpt.json"


@pytest.mark.parametrize(
    ("name", "row", "column", "value", "message"),
    [
        ("bad/missing_field.json", 2, "primaryValue", None, "missing field"),
        ("bad/unknown_partner.json", 2, "partnerCode", "999", "unknown country code"),
        ("bad/non_numeric.json", 2, "primaryValue", "n/a", "not a number"),
        ("bad/error_in_200.json", None, None, None, "Comtrade reported an error"),
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
        comtrade.parse(snapshot_of(tmp_path, name))
    err = info.value
    assert err.file.endswith(Path(name).name)
    assert (err.row, err.column, err.value) == (row, column, value)
    assert message in err.message


def test_iso_code_contradicting_the_numeric_code_is_an_error(tmp_path: Path) -> None:
    payload = json.loads((DATA / "get_C_A_HS_156_2010_TOTAL.json").read_text())
    payload["data"][1]["partnerISO"] = "BRA"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.json").write_text(json.dumps(payload))
    with pytest.raises(DataError, match="contradicts") as info:
        comtrade.parse(
            write_snapshot(
                tmp_path / "snaps",
                "comtrade",
                {"x.json": (tmp_path / "in" / "x.json").read_bytes()},
                producer="t",
                licence="t",
                attribution="t",
                url="t",
                vintage="t",
                vintage_date=date(2025, 1, 1),
                query={},
                rows={"x.json": 4},
                now=NOW,
            )
        )
    assert info.value.row == 2 and info.value.column == "partnerISO"


def test_keyless_request_uses_the_preview() -> None:
    url, params, headers = comtrade.build_request(
        reporter=410, periods=["2023"], freq="A", cmd_codes=["250410", "280530"]
    )
    assert url == "https://comtradeapi.un.org/public/v1/preview/C/A/HS"
    assert params["reporterCode"] == "410" and params["cmdCode"] == "250410,280530"
    assert params["flowCode"] == "M,X" and params["maxRecords"] == "500"
    assert (params["customsCode"], params["motCode"], params["partner2Code"]) == ("C00", "0", "0")
    assert "partnerCode" not in params and headers == {}


def test_keyed_request_puts_the_key_in_a_header_not_the_url() -> None:
    url, params, headers = comtrade.build_request(
        reporter=392,
        periods=comtrade.periods_of("M", 2024),
        freq="M",
        cmd_codes=["250410"],
        partners=[156, 0],
        api_key="KEY123",
    )
    assert url == "https://comtradeapi.un.org/data/v1/get/C/M/HS"
    assert headers == {"Ocp-Apim-Subscription-Key": "KEY123"}
    assert "KEY123" not in json.dumps(params)
    assert params["period"].split(",")[0] == "202401" and len(params["period"].split(",")) == 12
    assert params["partnerCode"] == "156,0" and params["maxRecords"] == "100000"


def test_tariff_line_urls() -> None:
    assert comtrade.data_url("A", "H6", keyed=True, tariff_line=True) == (
        "https://comtradeapi.un.org/data/v1/getTariffline/C/A/H6"
    )
    assert comtrade.data_url("M", keyed=False, tariff_line=True).endswith(
        "/public/v1/previewTariffline/C/M/HS"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cmd_codes": ["2504"]},
        {"cmd_codes": ["TOTAL"]},
        {"flows": ["RX"]},
        {"classification": "SITC"},
    ],
)
def test_bad_requests_are_refused(kwargs: dict[str, Any]) -> None:
    base: dict[str, Any] = {
        "reporter": 410,
        "periods": ["2023"],
        "freq": "A",
        "cmd_codes": ["250410"],
    }
    with pytest.raises(ConfigError):
        comtrade.build_request(**{**base, **kwargs})


def serving(handler: Any) -> HttpClient:
    return HttpClient(
        timeout_s=5,
        max_retries=1,
        min_interval_s=0,
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
    )


def test_fetch_writes_a_snapshot_that_parse_reads_back(tmp_path: Path) -> None:
    body = (DATA / "preview_envelope_KOR_M_2504_2023.json").read_bytes()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/public/v1/preview/C/A/HS":
            raise AssertionError(f"unexpected URL {request.url}")
        seen.append(request)
        return httpx.Response(200, content=body)

    with serving(handler) as client:
        snap = comtrade.fetch(
            reporters=[410],
            years=[2023],
            cmd_codes=["250410"],
            flows=["M"],
            client=client,
            snapshot_dir=tmp_path,
            now=NOW,
        )
    assert len(seen) == 1 and seen[0].url.params["period"] == "2023"
    assert "Ocp-Apim-Subscription-Key" not in seen[0].headers
    assert snap.parent == tmp_path / "comtrade" and snap.name.startswith("20250301T093000Z-")
    prov, query = read_snapshot(snap)
    (f,) = prov.files
    assert f.name == "preview_A_HS_r410_2023.json" and f.rows == 5
    assert (
        f.sha256
        == hashlib.sha256(body).hexdigest()
        == hashlib.sha256((snap / f.name).read_bytes()).hexdigest()
    )
    assert prov.date_accessed == date(2025, 3, 1) and prov.attribution == "UN Comtrade"
    assert query["requests"][0]["params"]["cmdCode"] == "250410"
    t = comtrade.parse(snap)
    assert t.num_rows == 5 and rows_by(t, "partner_id_iso3")["CHN"]["value_usd"] == 106_828_338


def test_keyed_fetch_keeps_the_key_out_of_url_and_snapshot(tmp_path: Path) -> None:
    body = (DATA / "get_C_A_HS_156_2010_TOTAL.json").read_bytes()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/data/v1/get/C/A/HS":
            raise AssertionError(f"unexpected URL {request.url}")
        seen.append(request)
        return httpx.Response(200, content=body)

    with serving(handler) as client:
        snap = comtrade.fetch(
            reporters=[156],
            years=[2010],
            cmd_codes=["250410"],
            client=client,
            snapshot_dir=tmp_path,
            api_key="SECRET-KEY-42",
            now=NOW,
        )
    assert seen[0].headers["Ocp-Apim-Subscription-Key"] == "SECRET-KEY-42"
    assert "SECRET-KEY-42" not in str(seen[0].url)
    assert "SECRET-KEY-42" not in (snap / "snapshot.json").read_text()
    assert comtrade.parse(snap).num_rows == 4


def test_monthly_fetch_splits_a_year_that_hits_the_record_limit(tmp_path: Path) -> None:
    monthly = (DATA / "monthly_format_reference_KOR_250410_2023.json").read_bytes()
    record = json.loads(monthly)["data"][1]
    full = json.dumps({"count": 500, "data": [record] * 500, "error": ""}).encode()
    periods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/public/v1/preview/C/M/HS":
            raise AssertionError(f"unexpected URL {request.url}")
        periods.append(request.url.params["period"])
        return httpx.Response(200, content=full if "," in periods[-1] else monthly)

    with serving(handler) as client:
        snap = comtrade.fetch(
            reporters=[410],
            years=[2023],
            cmd_codes=["250410"],
            freq="M",
            client=client,
            snapshot_dir=tmp_path,
            now=NOW,
        )
    assert periods[0] == ",".join(comtrade.periods_of("M", 2023))
    assert periods[1:] == comtrade.periods_of("M", 2023)
    prov, _ = read_snapshot(snap)
    assert [f.name for f in prov.files][0] == "preview_M_HS_r410_202301.json"
    assert len(prov.files) == 12


def test_fetch_refuses_an_error_inside_a_200_and_writes_nothing(tmp_path: Path) -> None:
    body = (DATA / "bad" / "error_in_200.json").read_bytes()
    client = serving(lambda _r: httpx.Response(200, content=body))
    with client, pytest.raises(DataError, match="Comtrade reported an error"):
        comtrade.fetch(
            reporters=[410],
            years=[2023],
            cmd_codes=["250410"],
            client=client,
            snapshot_dir=tmp_path,
            now=NOW,
        )
    assert not (tmp_path / "comtrade").exists()


def test_area_code_table() -> None:
    assert comtrade.iso3_of_area(410) == "KOR"
    assert comtrade.iso3_of_area(0) == "WLD"
    assert comtrade.iso3_of_area(490) == "S19"
    assert comtrade.iso3_of_area(842) == "USA"
    assert comtrade.iso3_of_area(999) is None


# --- snapshots: immutability, provenance record, the loader's contract ----------------------


def test_snapshot_is_immutable(tmp_path: Path) -> None:
    from supplywatch.sources.snapshots import SnapshotExistsError

    snapshot_of(tmp_path, "annual_KOR_M_2504_2023_excerpt.json")
    with pytest.raises(SnapshotExistsError, match="immutable"):
        snapshot_of(tmp_path, "annual_KOR_M_2504_2023_excerpt.json")


def test_changed_file_is_detected(tmp_path: Path) -> None:
    snap = snapshot_of(tmp_path, "annual_KOR_M_2504_2023_excerpt.json")
    f = snap / "annual_KOR_M_2504_2023_excerpt.json"
    f.chmod(0o644)
    f.write_bytes(f.read_bytes().replace(b"106828338.0", b"106828339.0"))
    with pytest.raises(DataError, match="changed since it was fetched"):
        comtrade.parse(snap)


def test_snapshot_record_is_what_the_loader_reads(tmp_path: Path) -> None:
    from supplywatch.sources.snapshots import read_snapshot, snapshot_source

    snap = write_snapshot(
        tmp_path,
        "comtrade",
        {"a.json": b"[]", "b.json": b"{}"},
        producer="p",
        licence="l",
        attribution="a",
        url="u",
        vintage="v",
        vintage_date=date(2025, 1, 1),
        query={"params": {"reporterCode": "410", "subscription-key": "K"}, "serviceKey": "K"},
        rows={"a.json": 0, "b.json": 0},
        now=NOW,
    )
    source, (prov, query) = snapshot_source(snap), read_snapshot(snap)
    assert "K" not in str(query)
    assert source == "comtrade" and [f.name for f in prov.files] == ["a.json", "b.json"]
    digests = "".join(hashlib.sha256(b).hexdigest() for b in (b"[]", b"{}"))
    assert snap.name == f"20250301T093000Z-{hashlib.sha256(digests.encode()).hexdigest()[:12]}"
    assert prov.date_accessed == date(2025, 3, 1) and prov.date_published is None
    _, query = read_snapshot(snap)
    assert query == {"params": {"reporterCode": "410"}}  # secrets dropped, at any depth
    assert all(not (p.stat().st_mode & 0o222) for p in snap.iterdir())  # files read-only


def test_snapshot_refuses_unsafe_names(tmp_path: Path) -> None:
    common: dict[str, Any] = {
        "producer": "p",
        "licence": "l",
        "attribution": "a",
        "url": "u",
        "vintage": "v",
        "vintage_date": date(2025, 1, 1),
        "query": {},
    }
    for name in ("../x.json", "snapshot.json", ".hidden"):
        with pytest.raises(ValueError, match="unsafe"):
            write_snapshot(tmp_path, "comtrade", {name: b"[]"}, rows={name: 0}, **common, now=NOW)


def test_parsed_monthly_snapshot_loads_into_the_store(small_store: Any, tmp_path: Path) -> None:
    from supplywatch.pipeline.snapshot_ingest import ingest_snapshot

    snap = snapshot_of(tmp_path, "monthly_format_reference_KOR_250410_2023.json")
    result = ingest_snapshot(small_store, snap, now=NOW)
    assert result.status == "loaded"
    got = small_store.execute(
        "SELECT partner_id_iso3, flow_code, value_usd, qty, available_date "
        "FROM core_customs__trade_flows ORDER BY source_row_number"
    ).fetchall()
    assert got[0][:4] == ("WLD", "M", 1_250_000.0, None)
    assert got[1][:4] == ("CHN", "M", 1_100_000.0, 2_000_000.0)
    assert got[1][4] == date(2023, 4, 1)  # monthly lag rule: M + 3 months
