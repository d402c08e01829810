"""World Bank API v2 WGI connector on recorded pages: values, paging, aggregates, bad input.

No test touches the network (real transport and sockets disabled; mock transports refuse
unexpected URLs).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from tests.contract.conftest import recorded_snapshot

from supplywatch.errors import ConfigError, DataError
from supplywatch.sources import worldbank_wgi as wb
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import read_snapshot, write_snapshot

DATA = Path(__file__).resolve().parents[1] / "data" / "worldbank"
PAGES = ["PV.EST_p001.json", "PV.EST_p002.json", "CC.EST_p001.json"]
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def snapshot_of(tmp_path: Path, *names: str) -> Path:
    files = {Path(n).name: (DATA / n).read_bytes() for n in names}
    return recorded_snapshot(tmp_path, "worldbank_wgi", wb.BASE_URL, files)


def test_estimates_and_skipped_aggregates(tmp_path: Path) -> None:
    t, skipped = wb.parse_counted(snapshot_of(tmp_path, *PAGES))
    assert t.schema == wb.schema()
    assert skipped == {"EAS": 1}
    got = {(r["country_id_iso3"], r["ref_year"], r["wgi_dimension_code"]): r for r in t.to_pylist()}
    assert len(got) == 7
    assert got[("CHN", 2023, "pv")]["wgi_estimate"] == -0.5130970478057861
    assert got[("JPN", 2023, "pv")]["wgi_estimate"] == 0.9511362314224243
    assert got[("USA", 2023, "cc")]["wgi_estimate"] == 1.1234326362609863
    assert got[("CHN", 2022, "pv")]["source_row_number"] == 4
    assert got[("CHN", 2022, "pv")]["file_name"] == "PV.EST_p002.json"
    assert got[("CHN", 2023, "cc")]["source_row_number"] == 6  # EAS (5) skipped


def test_parse_logs_the_skipped_aggregates(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="supplywatch")
    assert wb.parse(snapshot_of(tmp_path, *PAGES)).num_rows == 7
    assert "skipped 1 aggregate row(s): EAS (1)" in caplog.text


def test_null_estimate_stays_null(tmp_path: Path) -> None:
    payload = (DATA / "CC.EST_p001.json").read_text().replace("1.395660638809204", "null")
    snap = write_snapshot(
        tmp_path,
        "worldbank_wgi",
        {"x.json": payload.encode()},
        producer="t",
        licence="t",
        attribution="t",
        url="t",
        vintage="t",
        vintage_date=date(2025, 1, 1),
        query={},
        rows={"x.json": 3},
        now=NOW,
    )
    rows = {r["country_id_iso3"]: r for r in wb.parse(snap).to_pylist()}
    assert rows["JPN"]["wgi_estimate"] is None


@pytest.mark.parametrize(
    ("name", "row", "column", "value", "message"),
    [
        ("bad/missing_field.json", 2, "date", None, "missing field"),
        ("bad/non_numeric.json", 2, "value", "n/a", "not a number"),
        ("bad/not_an_estimate.json", 2, "indicator.id", "CC.STD.ERR", "not a WGI estimate"),
        ("bad/api_error.json", None, None, None, "120 Invalid value"),
        ("bad/truncated.json", None, None, None, "not valid JSON"),
    ],
)
def test_bad_pages_name_file_row_and_field(
    tmp_path: Path,
    name: str,
    row: int | None,
    column: str | None,
    value: str | None,
    message: str,
) -> None:
    with pytest.raises(DataError) as info:
        wb.parse(snapshot_of(tmp_path, name))
    err = info.value
    assert err.file.endswith(Path(name).name)
    assert (err.row, err.column, err.value) == (row, column, value)
    assert message in err.message


def test_request() -> None:
    url, params = wb.build_request("PV.EST", page=2, per_page=500, years=(1996, 2023))
    assert url == "https://api.worldbank.org/v2/country/all/indicator/PV.EST"
    assert params == {
        "format": "json",
        "source": "3",
        "per_page": "500",
        "page": "2",
        "date": "1996:2023",
    }
    with pytest.raises(ConfigError):
        wb.build_request("NY.GDP.MKTP.CD")


def test_fetch_pages_through_every_indicator(tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        ind = request.url.path.rsplit("/", 1)[-1]
        if request.url.host != "api.worldbank.org" or ind not in ("PV.EST", "CC.EST"):
            raise AssertionError(f"unexpected URL {request.url}")
        assert request.url.params["source"] == "3" and request.url.params["format"] == "json"
        page = request.url.params["page"]
        seen.append((ind, page))
        return httpx.Response(200, content=(DATA / f"{ind}_p{int(page):03d}.json").read_bytes())

    client = HttpClient(
        timeout_s=5,
        max_retries=0,
        min_interval_s=0,
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
    )
    with client:
        snap = wb.fetch(
            client=client,
            snapshot_dir=tmp_path,
            indicators=["PV.EST", "CC.EST"],
            per_page=3,
            now=NOW,
        )
    assert seen == [("PV.EST", "1"), ("PV.EST", "2"), ("CC.EST", "1")]
    prov, _ = read_snapshot(snap)
    assert [f.name for f in prov.files] == PAGES and [f.rows for f in prov.files] == [3, 2, 3]
    for f in prov.files:
        assert f.sha256 == hashlib.sha256((DATA / f.name).read_bytes()).hexdigest()
    assert "lastupdated 2024-10-28" in prov.vintage
    assert wb.parse(snap).num_rows == 7


def test_fetch_refuses_an_api_error_and_writes_nothing(tmp_path: Path) -> None:
    body = (DATA / "bad" / "api_error.json").read_bytes()
    client = HttpClient(
        timeout_s=5,
        max_retries=0,
        min_interval_s=0,
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, content=body)),
        sleep=lambda _s: None,
    )
    with client, pytest.raises(DataError, match="World Bank API error"):
        wb.fetch(client=client, snapshot_dir=tmp_path, indicators=["PV.EST"], now=NOW)
    assert not (tmp_path / "worldbank_wgi").exists()
