"""Korea Customs Service connector on recorded XML: values, requests, fetch, bad input.

No test touches the network (real transport and sockets disabled; mock transports refuse
unexpected URLs).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from tests.contract.conftest import recorded_snapshot

from supplywatch.errors import ConfigError, DataError
from supplywatch.sources import kcs
from supplywatch.sources.http import FetchError, HttpClient
from supplywatch.sources.snapshots import read_snapshot, trade_schema, write_snapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "kcs"
SAMPLE = "nitemtrade_250410_ALL_202301_202302.xml"
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def snapshot_of(tmp_path: Path, *names: str) -> Path:
    files = {Path(n).name: (DATA / n).read_bytes() for n in names}
    return recorded_snapshot(tmp_path, "kcs", kcs.URL, files)


def test_items_give_an_export_and_an_import_row(tmp_path: Path) -> None:
    t = kcs.parse(snapshot_of(tmp_path, SAMPLE))
    assert t.schema == trade_schema()
    assert t.num_rows == 8  # 4 items x (X, M); the 총계 item is skipped
    rows = {
        (r["period_start_date"], r["partner_id_iso3"], r["flow_code"]): r for r in t.to_pylist()
    }
    cn_jan_m = rows[(date(2023, 1, 1), "CHN", "M")]
    assert cn_jan_m["value_usd"] == 1_234_567 and cn_jan_m["net_weight_kg"] == 2_500_000
    assert cn_jan_m["source_row_number"] == 2  # item 1 is the total
    cn_jan_x = rows[(date(2023, 1, 1), "CHN", "X")]
    assert cn_jan_x["value_usd"] == 0 and cn_jan_x["net_weight_kg"] == 0
    jp_x = rows[(date(2023, 1, 1), "JPN", "X")]
    assert jp_x["value_usd"] == 9800 and jp_x["net_weight_kg"] == 1200
    assert rows[(date(2023, 2, 1), "MOZ", "M")]["value_usd"] == 210_000
    for r in t.to_pylist():
        assert r["source_name"] == "kcs" and r["reporter_id_iso3"] == "KOR"
        assert r["freq_code"] == "M" and r["classification_code"] == "HSK"
        assert r["product_code"] == "2504101000" and r["product_id_hs6"] == "250410"
        assert r["qty"] is None and r["qty_unit_code"] is None and r["value_kjpy"] is None
        assert r["is_qty_estimated"] is False and r["file_name"] == SAMPLE
    assert sorted(set(t.column("source_row_number").to_pylist())) == [2, 3, 4, 5]


def test_documentation_sample_values(tmp_path: Path) -> None:
    t = kcs.parse(snapshot_of(tmp_path, "nitemtrade_documentation_sample.xml"))
    rows = {r["flow_code"]: r for r in t.to_pylist()}
    assert rows["M"]["value_usd"] == 93_754_113 and rows["M"]["net_weight_kg"] == 14_809_834
    assert rows["X"]["value_usd"] == 150_822 and rows["X"]["net_weight_kg"] == 18_003
    assert rows["M"]["partner_id_iso3"] == "USA"
    assert rows["M"]["period_start_date"] == date(2016, 1, 1) and rows["M"]["ref_year"] == 2016
    assert rows["M"]["product_code"] == "0202" and rows["M"]["product_id_hs6"] is None


def test_record_numbers_run_across_files(tmp_path: Path) -> None:
    t = kcs.parse(snapshot_of(tmp_path, SAMPLE, "nitemtrade_documentation_sample.xml"))
    last = t.to_pylist()[-1]
    assert last["source_row_number"] == 6
    assert last["file_name"] == "nitemtrade_documentation_sample.xml"


@pytest.mark.parametrize(
    ("name", "row", "column", "value", "message"),
    [
        ("bad/missing_field.xml", 1, "impDlr", None, "missing field"),
        ("bad/unknown_country.xml", 1, "statCd", "ZZ", "unknown country code"),
        ("bad/non_numeric.xml", 1, "impWgt", "N/A", "not a number"),
        ("bad/result_code_error.xml", None, None, "99", "KCS result code 99"),
        ("bad/gateway_error.xml", None, None, None, "SERVICE_KEY_IS_NOT_REGISTERED_ERROR"),
        ("bad/truncated.xml", None, None, None, "not well-formed XML"),
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
        kcs.parse(snapshot_of(tmp_path, name))
    err = info.value
    assert err.file.endswith(Path(name).name)
    assert (err.row, err.column, err.value) == (row, column, value)
    assert message in err.message


def test_doctype_is_refused(tmp_path: Path) -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><response/>'
    snap = write_snapshot(
        tmp_path,
        "kcs",
        {"x.xml": body},
        producer="t",
        licence="t",
        attribution="t",
        url="t",
        vintage="t",
        vintage_date=date(2025, 1, 1),
        query={},
        rows={"x.xml": 0},
        now=NOW,
    )
    with pytest.raises(DataError, match="DOCTYPE"):
        kcs.parse(snap)


@pytest.mark.parametrize(
    ("start", "end", "windows"),
    [
        ("202301", "202302", [("202301", "202302")]),
        ("202301", "202412", [("202301", "202312"), ("202401", "202412")]),
        ("202311", "202502", [("202311", "202410"), ("202411", "202502")]),
    ],
)
def test_month_windows(start: str, end: str, windows: list[tuple[str, str]]) -> None:
    assert kcs.month_windows(start, end) == windows


def test_request_parameters() -> None:
    url, params = kcs.build_request(
        hs_code="250410", start="202301", end="202312", service_key="K", country="CN"
    )
    assert url == "https://apis.data.go.kr/1220000/nitemtrade/getNitemtradeList"
    assert params == {
        "serviceKey": "K",
        "strtYymm": "202301",
        "endYymm": "202312",
        "hsSgn": "250410",
        "cntyCd": "CN",
    }
    _, params = kcs.build_request(hs_code="250410", start="202301", end="202301", service_key="K")
    assert "cntyCd" not in params


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"start": "202301", "end": "202401"},  # 13 months
        {"hs_code": "2"},
        {"country": "CHN"},
        {"start": "202313", "end": "202313"},
    ],
)
def test_bad_requests_are_refused(kwargs: dict[str, str]) -> None:
    base = {"hs_code": "250410", "start": "202301", "end": "202302", "service_key": "K"}
    with pytest.raises(ConfigError):
        kcs.build_request(**{**base, **kwargs})  # type: ignore[arg-type]


def serving(handler: object) -> HttpClient:
    return HttpClient(
        timeout_s=5,
        max_retries=1,
        min_interval_s=0,
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        sleep=lambda _s: None,
    )


def test_fetch_writes_a_snapshot_that_parse_reads_back(tmp_path: Path) -> None:
    body = (DATA / SAMPLE).read_bytes()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/1220000/nitemtrade/getNitemtradeList":
            raise AssertionError(f"unexpected URL {request.url}")
        seen.append(request)
        return httpx.Response(200, content=body)

    with serving(handler) as client:
        snap = kcs.fetch(
            hs_codes=["250410"],
            start="202301",
            end="202302",
            service_key="KEY/with+chars==",
            client=client,
            snapshot_dir=tmp_path,
            now=NOW,
        )
    (req,) = seen
    assert req.url.params["serviceKey"] == "KEY/with+chars=="  # percent-encoded once
    assert req.url.params["strtYymm"] == "202301" and req.url.params["endYymm"] == "202302"
    prov, query = read_snapshot(snap)
    (f,) = prov.files
    assert f.name == "nitemtrade_250410_ALL_202301_202302.xml" and f.rows == 5
    assert f.sha256 == hashlib.sha256(body).hexdigest()
    assert "serviceKey" not in query["requests"][0]["params"]
    assert "KEY/with+chars==" not in (snap / "snapshot.json").read_text()
    assert kcs.parse(snap).num_rows == 8


def test_fetch_of_two_years_makes_two_requests(tmp_path: Path) -> None:
    body = (DATA / SAMPLE).read_bytes()
    windows: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        windows.append((request.url.params["strtYymm"], request.url.params["endYymm"]))
        return httpx.Response(200, content=body)

    with serving(handler) as client:
        snap = kcs.fetch(
            hs_codes=["250410"],
            start="202301",
            end="202412",
            service_key="K",
            countries=["CN"],
            client=client,
            snapshot_dir=tmp_path,
            now=NOW,
        )
    assert windows == [("202301", "202312"), ("202401", "202412")]
    assert len(read_snapshot(snap)[0].files) == 2


def test_fetch_refuses_a_gateway_error_and_writes_nothing(tmp_path: Path) -> None:
    body = (DATA / "bad" / "gateway_error.xml").read_bytes()
    client = serving(lambda _r: httpx.Response(200, content=body))
    with client, pytest.raises(DataError, match="gateway error 30"):
        kcs.fetch(
            hs_codes=["250410"],
            start="202301",
            end="202302",
            service_key="K",
            client=client,
            snapshot_dir=tmp_path,
            now=NOW,
        )
    assert not (tmp_path / "kcs").exists()


def test_http_failure_names_the_url_without_the_key(tmp_path: Path) -> None:
    client = serving(lambda _r: httpx.Response(503))
    with client, pytest.raises(FetchError) as info:
        kcs.fetch(
            hs_codes=["250410"],
            start="202301",
            end="202302",
            service_key="TOPSECRET",
            client=client,
            snapshot_dir=tmp_path,
            now=NOW,
        )
    assert "TOPSECRET" not in str(info.value) and "serviceKey=***" in str(info.value)
    assert info.value.status == 503
