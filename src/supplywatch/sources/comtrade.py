"""UN Comtrade API v1: final (standard) trade data, annual or monthly, HS classification.

Endpoints (``https://comtradeapi.un.org``):

- keyless preview ``/public/v1/preview/C/{freq}/{cl}`` (at most 500 records a call);
- keyed ``/data/v1/get/C/{freq}/{cl}`` with the subscription key in the
  ``Ocp-Apim-Subscription-Key`` header (never in the URL);
- tariff lines ``/data/v1/getTariffline/C/{freq}/{cl}`` (preview:
  ``/public/v1/previewTariffline/...``): a separate, subscription-only product with national
  tariff-line codes. ``data_url(..., tariff_line=True)`` builds it; ``parse`` is tested on the
  standard format only (the tariff-line record layout is not verified here).

The key, when given, selects the keyed API. Requests are split per reporter and year (and,
for monthly data that hit the record limit, per month); a response holding as many records as
``maxRecords`` is treated as truncated and split further or refused, never kept silently.

Responses are ``{"elapsedTime", "count", "data": [...], "error": ""}``; ``parse`` also reads a
bare ``data`` array (how other tools cache responses). Kept per record: ``primaryValue`` (CIF
for imports, FOB for exports) as value_usd, ``qty`` in ``qtyUnitCode`` (-1: no quantity, so
NULL, never 0), ``netWgt`` in kg, ``isQtyEstimated``. Partner 0 is the World total: WLD, an
aggregate never to be added to bilateral rows. Re-imports/re-exports (RM, RX) and breakdowns
by customs procedure, mode of transport or second partner (anything but C00/0/0) are skipped
and counted in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pycountry

from supplywatch.catalog.countries import countries
from supplywatch.errors import ConfigError, DataError
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import (
    decode_json,
    hs6_of,
    load_json,
    read_snapshot,
    to_float,
    trade_table,
    write_snapshot,
)

log = logging.getLogger(__name__)

SOURCE = "comtrade"
BASE_URL = "https://comtradeapi.un.org"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
PREVIEW_MAX_RECORDS = 500
KEYED_MAX_RECORDS = 100_000
CLASSIFICATIONS = ("HS", "H0", "H1", "H2", "H3", "H4", "H5", "H6")
Freq = Literal["A", "M"]

#: UN Comtrade area codes that are not the ISO 3166-1 numeric code of the same country
#: (Comtrade keeps its own codes for these reporters/partners).
COMTRADE_AREAS: dict[int, str] = {
    842: "USA",  # "USA" (ISO numeric 840)
    251: "FRA",  # "France" incl. overseas departments (ISO 250)
    757: "CHE",  # "Switzerland" incl. Liechtenstein (ISO 756)
    699: "IND",  # "India" (ISO 356)
    579: "NOR",  # "Norway" incl. Svalbard and Jan Mayen (ISO 578)
}
#: Comtrade's ISO-like codes (reporterISO/partnerISO) that differ from ours.
_ISO_ALIASES = {"W00": "WLD"}
_TOTALS = {"partner2Code": 0, "customsCode": "C00", "motCode": 0}
_REQUIRED = (
    "freqCode",
    "period",
    "reporterCode",
    "partnerCode",
    "flowCode",
    "classificationCode",
    "cmdCode",
    "qtyUnitCode",
    "qty",
    "isQtyEstimated",
    "netWgt",
    "primaryValue",
)

PRODUCER = "United Nations Statistics Division (UN Comtrade)"
LICENCE = (
    "UN Comtrade terms of use: free for analysis with attribution; redistribution of the "
    "data needs the UN's permission"
)
ATTRIBUTION = "UN Comtrade"


def data_url(
    freq: Freq, classification: str = "HS", *, keyed: bool, tariff_line: bool = False
) -> str:
    """Endpoint URL for commodity (C) data of ``freq`` in ``classification``."""
    if freq not in ("A", "M"):
        raise ConfigError(f"freq must be 'A' or 'M', not {freq!r}")
    if classification not in CLASSIFICATIONS:
        raise ConfigError(f"classification must be one of {', '.join(CLASSIFICATIONS)}")
    if keyed:
        path = "data/v1/getTariffline" if tariff_line else "data/v1/get"
    else:
        path = "public/v1/previewTariffline" if tariff_line else "public/v1/preview"
    return f"{BASE_URL}/{path}/C/{freq}/{classification}"


def periods_of(freq: Freq, year: int) -> list[str]:
    """Period codes of one year: ``YYYY`` (annual) or ``YYYY01``..``YYYY12`` (monthly)."""
    return [str(year)] if freq == "A" else [f"{year}{m:02d}" for m in range(1, 13)]


def build_request(
    *,
    reporter: int,
    periods: Sequence[str],
    freq: Freq,
    cmd_codes: Sequence[str],
    flows: Sequence[str] = ("M", "X"),
    partners: Sequence[int] | None = None,
    classification: str = "HS",
    api_key: str | None = None,
    tariff_line: bool = False,
) -> tuple[str, dict[str, str], dict[str, str]]:
    """URL, query parameters and headers of one request (the key goes in a header)."""
    for code in cmd_codes:
        if not (code.isdigit() and len(code) >= 6):
            raise ConfigError(
                f"cmdCode {code!r}: request HS 6-digit (or finer) codes; coarser codes "
                "return aggregate rows without an HS6 code"
            )
    bad_flows = set(flows) - {"M", "X"}
    if bad_flows:
        raise ConfigError(f"flows must be M and/or X, not {sorted(bad_flows)}")
    keyed = api_key is not None
    params = {
        "reporterCode": str(reporter),
        "period": ",".join(periods),
        "cmdCode": ",".join(cmd_codes),
        "flowCode": ",".join(flows),
        "customsCode": "C00",
        "motCode": "0",
        "partner2Code": "0",
        "includeDesc": "true",
        "maxRecords": str(KEYED_MAX_RECORDS if keyed else PREVIEW_MAX_RECORDS),
    }
    if partners is not None:
        params["partnerCode"] = ",".join(str(p) for p in partners)
    headers = {KEY_HEADER: api_key} if api_key is not None else {}
    url = data_url(freq, classification, keyed=keyed, tariff_line=tariff_line)
    return url, params, headers


def fetch(
    *,
    reporters: Sequence[int],
    years: Sequence[int],
    cmd_codes: Sequence[str],
    client: HttpClient,
    snapshot_dir: Path,
    freq: Freq = "A",
    flows: Sequence[str] = ("M", "X"),
    partners: Sequence[int] | None = None,
    classification: str = "HS",
    api_key: str | None = None,
    tariff_line: bool = False,
    now: datetime,
) -> Path:
    """Fetch every reporter x year (monthly: x month when a year is too large) and write one
    snapshot holding each raw response; return its directory."""
    files: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    requests: list[dict[str, Any]] = []
    kind = "tariffline" if tariff_line else ("get" if api_key else "preview")
    for reporter in reporters:
        for year in years:
            chunks = [periods_of(freq, year)]
            while chunks:
                periods = chunks.pop(0)
                url, params, headers = build_request(
                    reporter=reporter,
                    periods=periods,
                    freq=freq,
                    cmd_codes=cmd_codes,
                    flows=flows,
                    partners=partners,
                    classification=classification,
                    api_key=api_key,
                    tariff_line=tariff_line,
                )
                suffix = str(year) if len(periods) > 1 or freq == "A" else periods[0]
                name = f"{kind}_{freq}_{classification}_r{reporter}_{suffix}.json"
                body = client.get(url, params=params, headers=headers).content
                n = len(_records(decode_json(body, name), Path(name)))
                if n >= int(params["maxRecords"]):
                    if len(periods) > 1:
                        chunks = [[p] for p in periods] + chunks
                        continue
                    raise DataError(
                        name,
                        f"{n} records: the response hit maxRecords and may be truncated; "
                        "request fewer products or partners",
                    )
                files[name], rows[name] = body, n
                requests.append({"file": name, "url": url, "params": params})
    stamp = now
    return write_snapshot(
        snapshot_dir,
        SOURCE,
        files,
        producer=PRODUCER,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        url=data_url(freq, classification, keyed=api_key is not None, tariff_line=tariff_line),
        vintage=f"UN Comtrade API v1 ({kind}), fetched {stamp:%Y-%m-%dT%H:%MZ}",
        vintage_date=stamp.date(),
        query={"freq": freq, "classification": classification, "requests": requests},
        rows=rows,
        note="Raw API responses, unchanged. Values current USD; quantities as reported.",
        now=stamp,
    )


def parse(snapshot_path: Path) -> pa.Table:
    """Trade rows of every file of a Comtrade snapshot (columns of core_customs__trade_flows
    less lineage, plus file_name); ``source_row_number`` counts records across the files."""
    prov, _ = read_snapshot(snapshot_path)
    out: list[dict[str, Any]] = []
    skipped: dict[str, int] = {}
    number = 0
    for rec in prov.files:
        path = Path(snapshot_path) / rec.name
        for i, record in enumerate(_records(load_json(path), path), start=1):
            number += 1
            row = parse_record(record, path, i)
            if isinstance(row, str):
                skipped[row] = skipped.get(row, 0) + 1
                continue
            row["source_row_number"] = number
            row["file_name"] = rec.name
            out.append(row)
    if skipped:
        log.info("%s: skipped %s", snapshot_path, skipped)
    return trade_table(out)


def parse_record(record: Any, path: Path, i: int) -> dict[str, Any] | str:
    """One Comtrade record as a trade row, or the reason it is skipped (a short label).
    ``i`` is the record's 1-based number in ``path`` (used in errors)."""
    if not isinstance(record, dict):
        raise DataError(str(path), "record is not a JSON object", row=i)
    for key in _REQUIRED:
        if key not in record:
            raise DataError(str(path), "missing field", row=i, column=key)
    for key, total in _TOTALS.items():
        if key in record and record[key] != total:
            return f"{key} breakdown"
    flow = record["flowCode"]
    if flow in ("RM", "RX"):
        return f"flow {flow}"
    if flow not in ("M", "X"):
        raise DataError(str(path), "unknown flow", row=i, column="flowCode", value=str(flow))
    freq, ref_year, start = _period(record, path, i)
    cl = record["classificationCode"]
    if cl not in CLASSIFICATIONS[1:]:
        raise DataError(
            str(path), "unknown HS revision", row=i, column="classificationCode", value=str(cl)
        )
    code = record["cmdCode"]
    if not isinstance(code, str) or not (code.isdigit() or code == "TOTAL"):
        raise DataError(str(path), "bad commodity code", row=i, column="cmdCode", value=str(code))
    unit, qty = _quantity(record, path, i)
    estimated = record["isQtyEstimated"]
    if not isinstance(estimated, bool):
        raise DataError(
            str(path), "not true/false", row=i, column="isQtyEstimated", value=str(estimated)
        )
    return {
        "source_name": SOURCE,
        "freq_code": freq,
        "period_start_date": start,
        "ref_year": ref_year,
        "reporter_id_iso3": _area(record, "reporter", path, i),
        "partner_id_iso3": _area(record, "partner", path, i),
        "flow_code": flow,
        "classification_code": cl,
        "product_code": code,
        "product_id_hs6": hs6_of(code),
        "value_usd": to_float(record["primaryValue"], path, i, "primaryValue"),
        "value_kjpy": None,
        "qty": qty,
        "qty_unit_code": unit,
        "net_weight_kg": to_float(record["netWgt"], path, i, "netWgt"),
        "is_qty_estimated": estimated,
    }


def _records(payload: Any, path: Path) -> list[Any]:
    """The ``data`` records of a response; an error inside a 200 is a DataError."""
    if isinstance(payload, list):
        return payload
    if not isinstance(payload, dict):
        raise DataError(str(path), "response is neither an object nor an array")
    error = payload.get("error")
    if error:
        raise DataError(str(path), f"Comtrade reported an error: {error}")
    if "statusCode" in payload and "data" not in payload:
        msg = payload.get("message", "")
        raise DataError(str(path), f"Comtrade error {payload['statusCode']}: {msg}")
    data = payload.get("data")
    if not isinstance(data, list):
        raise DataError(str(path), "response has no 'data' array", column="data")
    return data


def _period(record: dict[str, Any], path: Path, i: int) -> tuple[str, int, date]:
    freq, period = record["freqCode"], str(record["period"])
    try:
        if freq == "A" and len(period) == 4:
            start = date(int(period), 1, 1)
        elif freq == "M" and len(period) == 6:
            start = date(int(period[:4]), int(period[4:]), 1)
        else:
            raise ValueError(period)
    except ValueError:
        raise DataError(
            str(path),
            f"period does not fit freqCode {freq!r}",
            row=i,
            column="period",
            value=period,
        ) from None
    if "refYear" in record and record["refYear"] != start.year:
        raise DataError(
            str(path),
            "refYear differs from period",
            row=i,
            column="refYear",
            value=str(record["refYear"]),
        )
    return freq, start.year, start


def _quantity(record: dict[str, Any], path: Path, i: int) -> tuple[str | None, float | None]:
    unit_code = record["qtyUnitCode"]
    if unit_code == -1:
        return None, None  # no quantity: qty is printed as 0.0 or null, never a zero
    if not isinstance(unit_code, int) or isinstance(unit_code, bool):
        raise DataError(
            str(path), "bad unit code", row=i, column="qtyUnitCode", value=str(unit_code)
        )
    abbr = record.get("qtyUnitAbbr")
    unit = abbr if isinstance(abbr, str) and abbr not in ("", "N/A") else QTY_UNITS.get(unit_code)
    if unit is None:
        raise DataError(
            str(path),
            "quantity unit code not declared (and no qtyUnitAbbr given)",
            row=i,
            column="qtyUnitCode",
            value=str(unit_code),
        )
    return unit, to_float(record["qty"], path, i, "qty")


#: Quantity unit codes seen in recorded responses without their abbreviation (kg: the
#: quantity equals netWgt in every such record). Fetches ask for descriptions, so live
#: responses carry ``qtyUnitAbbr`` and need no entry here.
QTY_UNITS: dict[int, str] = {8: "kg"}


@cache
def _non_iso_by_m49() -> dict[int, str]:
    return {c.m49: c.iso3 for c in countries().values() if not c.is_iso3166 and c.m49 is not None}


def iso3_of_area(code: int) -> str | None:
    """Our ISO3 code for a Comtrade area code (None when unknown)."""
    if code in COMTRADE_AREAS:
        return COMTRADE_AREAS[code]
    found = pycountry.countries.get(numeric=f"{code:03d}") if 0 < code < 1000 else None
    if found is not None:
        return str(found.alpha_3)
    return _non_iso_by_m49().get(code)


def _area(record: dict[str, Any], role: str, path: Path, i: int) -> str:
    column = f"{role}Code"
    code = record[column]
    if not isinstance(code, int) or isinstance(code, bool):
        raise DataError(
            str(path), "area code is not an integer", row=i, column=column, value=str(code)
        )
    iso3 = iso3_of_area(code)
    if iso3 is None:
        raise DataError(str(path), "unknown country code", row=i, column=column, value=str(code))
    given = record.get(f"{role}ISO")
    if isinstance(given, str) and given and _ISO_ALIASES.get(given, given) != iso3:
        raise DataError(
            str(path),
            f"{role}ISO {given!r} contradicts code {code} ({iso3})",
            row=i,
            column=f"{role}ISO",
            value=given,
        )
    return iso3
