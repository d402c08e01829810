"""Worldwide Governance Indicators estimates from the World Bank API v2 (source 3).

``GET https://api.worldbank.org/v2/country/all/indicator/{ID}?format=json&source=3
&per_page=N&page=P[&date=Y1:Y2]`` for the six estimates VA.EST, PV.EST, GE.EST, RQ.EST,
RL.EST, CC.EST. Each page is ``[{page, pages, per_page, total, lastupdated, ...},
[{indicator: {id, value}, country: {id, value}, countryiso3code, date, value, ...}, ...]]``;
an error is ``[{"message": [{"id", "key", "value"}]}]`` (with HTTP 200). No key is needed.

``parse`` keeps rows whose code (``countryiso3code``, else a 3-letter ``country.id``) is in
our country list, World (WLD) excepted; every other code is an aggregate (region, income
group) and is skipped: ``parse_counted`` returns the skipped codes with their row counts, and
``parse`` logs them. Values are floats or NULL (null in the source).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from supplywatch.catalog.countries import countries
from supplywatch.catalog.fields import FIELDS
from supplywatch.errors import ConfigError, DataError
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import (
    decode_json,
    load_json,
    read_snapshot,
    to_float,
    write_snapshot,
)

log = logging.getLogger(__name__)

SOURCE = "worldbank_wgi"
BASE_URL = "https://api.worldbank.org/v2/country/all/indicator"
WGI_SOURCE_ID = "3"
#: API indicator id -> wgi_dimension_code.
INDICATORS = {
    "VA.EST": "va",
    "PV.EST": "pv",
    "GE.EST": "ge",
    "RQ.EST": "rq",
    "RL.EST": "rl",
    "CC.EST": "cc",
}
COLUMNS = (
    "country_id_iso3",
    "ref_year",
    "wgi_dimension_code",
    "wgi_estimate",
    "source_row_number",
    "file_name",
)
_AGGREGATES_IN_LIST = frozenset({"WLD"})

PRODUCER = "World Bank (Worldwide Governance Indicators)"
LICENCE = "CC BY 4.0 (World Bank Open Data terms of use)"
ATTRIBUTION = "Worldwide Governance Indicators, World Bank (www.govindicators.org)"


def schema() -> pa.Schema:
    return pa.schema([pa.field(c, FIELDS[c].arrow_type) for c in COLUMNS])


def build_request(
    indicator: str, *, page: int = 1, per_page: int = 10_000, years: tuple[int, int] | None = None
) -> tuple[str, dict[str, str]]:
    """URL and parameters of one page of one indicator."""
    if indicator not in INDICATORS:
        raise ConfigError(f"unknown WGI indicator {indicator!r}; known: {', '.join(INDICATORS)}")
    params = {
        "format": "json",
        "source": WGI_SOURCE_ID,
        "per_page": str(per_page),
        "page": str(page),
    }
    if years is not None:
        params["date"] = f"{years[0]}:{years[1]}"
    return f"{BASE_URL}/{indicator}", params


def fetch(
    *,
    client: HttpClient,
    snapshot_dir: Path,
    indicators: Sequence[str] = tuple(INDICATORS),
    years: tuple[int, int] | None = None,
    per_page: int = 10_000,
    now: datetime,
) -> Path:
    """Fetch every page of every indicator; write one snapshot of the raw JSON pages."""
    files: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    requests: list[dict[str, Any]] = []
    last_updated: set[str] = set()
    for indicator in indicators:
        page, pages = 1, 1
        while page <= pages:
            url, params = build_request(indicator, page=page, per_page=per_page, years=years)
            name = f"{indicator}_p{page:03d}.json"
            body = client.get(url, params=params).content
            meta, records = _page(decode_json(body, name), Path(name))
            pages = int(meta["pages"])
            last_updated.add(str(meta.get("lastupdated", "")))
            files[name], rows[name] = body, len(records)
            requests.append({"file": name, "url": url, "params": params})
            page += 1
    stamp = now
    return write_snapshot(
        snapshot_dir,
        SOURCE,
        files,
        producer=PRODUCER,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        url=BASE_URL,
        vintage=f"WGI via World Bank API v2, lastupdated {', '.join(sorted(last_updated))}",
        vintage_date=stamp.date(),
        query={"requests": requests},
        rows=rows,
        note="Raw API pages, unchanged.",
        now=stamp,
    )


def parse(snapshot_path: Path) -> pa.Table:
    """WGI estimates of a snapshot; skipped aggregate codes are logged."""
    table, skipped = parse_counted(snapshot_path)
    if skipped:
        log.info(
            "%s: skipped %d aggregate row(s): %s",
            snapshot_path,
            sum(skipped.values()),
            ", ".join(f"{k} ({v})" for k, v in sorted(skipped.items())),
        )
    return table


def parse_counted(snapshot_path: Path) -> tuple[pa.Table, dict[str, int]]:
    """WGI estimates and {skipped aggregate code: rows}; ``source_row_number`` counts the
    records across the snapshot's pages in file order."""
    prov, _ = read_snapshot(snapshot_path)
    known = countries()
    out: list[dict[str, Any]] = []
    skipped: dict[str, int] = {}
    number = 0
    for rec in prov.files:
        path = Path(snapshot_path) / rec.name
        _, records = _page(load_json(path), path)
        for i, r in enumerate(records, start=1):
            number += 1
            row = parse_record(r, path, i)
            code = row["country_id_iso3"]
            if code not in known or code in _AGGREGATES_IN_LIST:
                skipped[code] = skipped.get(code, 0) + 1
                continue
            out.append({**row, "source_row_number": number, "file_name": rec.name})
    s = schema()
    return (pa.Table.from_pylist(out, schema=s) if out else s.empty_table()), skipped


def parse_record(r: Any, path: Path, i: int) -> dict[str, Any]:
    """One API record as {country code, year, dimension, estimate} (code not yet checked)."""
    if not isinstance(r, dict):
        raise DataError(str(path), "record is not a JSON object", row=i)
    for key in ("indicator", "country", "countryiso3code", "date", "value"):
        if key not in r:
            raise DataError(str(path), "missing field", row=i, column=key)
    indicator = r["indicator"].get("id") if isinstance(r["indicator"], dict) else None
    if indicator not in INDICATORS:
        raise DataError(
            str(path), "not a WGI estimate", row=i, column="indicator.id", value=str(indicator)
        )
    code = r["countryiso3code"] or ""
    if not code and isinstance(r["country"], dict):
        code = r["country"].get("id") or ""
    if not re.fullmatch(r"[A-Z0-9]{2,3}", str(code)):
        raise DataError(
            str(path), "bad country code", row=i, column="countryiso3code", value=str(code)
        )
    year = str(r["date"])
    if not re.fullmatch(r"\d{4}", year):
        raise DataError(str(path), "date is not a year", row=i, column="date", value=year)
    return {
        "country_id_iso3": str(code),
        "ref_year": int(year),
        "wgi_dimension_code": INDICATORS[indicator],
        "wgi_estimate": to_float(r["value"], path, i, "value"),
    }


def _page(payload: Any, path: Path) -> tuple[dict[str, Any], list[Any]]:
    """(metadata, records) of one page; an API error message is a DataError."""
    if not isinstance(payload, list) or not payload or not isinstance(payload[0], dict):
        raise DataError(str(path), "not a World Bank API v2 page ([metadata, records])")
    meta = payload[0]
    if "message" in meta:
        msgs = meta["message"] if isinstance(meta["message"], list) else [meta["message"]]
        text = "; ".join(
            f"{m.get('id', '')} {m.get('key', '')}: {m.get('value', '')}".strip()
            for m in msgs
            if isinstance(m, dict)
        )
        raise DataError(str(path), f"World Bank API error: {text}")
    for key in ("page", "pages", "total"):
        if key not in meta:
            raise DataError(str(path), "missing field", column=key)
    if len(payload) < 2 or payload[1] is None:
        if int(meta["total"]) == 0:
            return meta, []
        raise DataError(str(path), "records missing from a page with total > 0")
    if not isinstance(payload[1], list):
        raise DataError(str(path), "records are not a list")
    return meta, payload[1]
