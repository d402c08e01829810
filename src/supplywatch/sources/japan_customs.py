"""Japan's trade statistics (Ministry of Finance, 普通貿易統計) via the e-Stat API v3.

``GET https://api.e-stat.go.jp/rest/3.0/app/json/getStatsData`` with ``appId`` (the key),
``statsDataId`` (one table: imports or exports), ``cdCat01`` (9-digit 統計品目番号),
``cdArea`` (MOF country codes), ``cdTime``, ``limit`` and ``startPosition``. The JSON is::

    {"GET_STATS_DATA": {"RESULT": {"STATUS": 0, "ERROR_MSG": ...},
      "STATISTICAL_DATA": {"RESULT_INF": {"TOTAL_NUMBER", "FROM_NUMBER", "TO_NUMBER",
                                          "NEXT_KEY" (only when more pages follow)},
        "CLASS_INF": {"CLASS_OBJ": [{"@id": "tab", "CLASS": [{"@code", "@name"}, ...]}, ...]},
        "DATA_INF": {"NOTE": [{"@char": "-", "$": ...}],
                     "VALUE": [{"@tab", "@cat01", "@area", "@time", "@unit", "$"}, ...]}}}}

Which e-Stat table holds which flow, and which dimension holds the product, partner and
measure, is declared per table (``EstatTable``) and recorded in the snapshot's query. The
measure of a value is told by its class name in CLASS_INF: 金額 (value, unit 千円), 第1数量 and
第2数量 (quantities, unit in ``@unit``, e.g. KG, MT, NO). Time codes are ``YYYY00MMMM``
(monthly) or ``YYYY000000`` (annual). Partners are MOF 3-digit country codes, mapped by the
declared ``MOF_COUNTRIES`` table; an unknown code is a DataError. Characters declared in
``DATA_INF.NOTE`` (e.g. "-") are NULLs; any other non-number is a DataError.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

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

SOURCE = "japan_customs"
URL = "https://api.e-stat.go.jp/rest/3.0/app/json/getStatsData"
MAX_LIMIT = 100_000
VALUE_UNIT = "千円"
_TIME = re.compile(r"(\d{4})00(\d{2})(\d{2})")

#: MOF (Japan Customs) 3-digit country codes -> ISO3, for the codes in our recorded
#: responses (from MOF's country code list: 103 大韓民国, 105 中華人民共和国,
#: 304 アメリカ合衆国). Extend it when a fetch meets a new code: parse refuses unknown codes.
MOF_COUNTRIES: dict[str, str] = {"103": "KOR", "105": "CHN", "304": "USA"}

#: Measure class names (CLASS_INF of the measure dimension) and what they hold.
MEASURES = {"金額": "value", "第1数量": "q1", "第2数量": "q2"}
#: Quantity units that are weights, with their factor to kilograms.
WEIGHT_UNITS = {"KG": 1.0, "MT": 1000.0}

PRODUCER = "Ministry of Finance, Japan (Trade Statistics of Japan), via e-Stat"
LICENCE = "e-Stat terms of use (Government of Japan Standard Terms of Use 2.0, CC BY 4.0)"
ATTRIBUTION = "Source: Ministry of Finance, Trade Statistics of Japan (e-Stat)"


@dataclass(frozen=True)
class EstatTable:
    """One e-Stat table of the trade statistics and where its dimensions are."""

    stats_data_id: str
    flow: Literal["M", "X"]
    product_dim: str = "cat01"
    partner_dim: str = "area"
    measure_dim: str = "tab"


def time_code(year: int, month: int | None = None) -> str:
    """e-Stat time code of a month (``YYYY00MMMM``) or a year (``YYYY000000``)."""
    return f"{year}000000" if month is None else f"{year}00{month:02d}{month:02d}"


def build_request(
    table: EstatTable,
    *,
    app_id: str,
    products: Sequence[str],
    partners: Sequence[str] | None = None,
    times: Sequence[str] | None = None,
    limit: int = MAX_LIMIT,
    start_position: int | None = None,
) -> tuple[str, dict[str, str]]:
    """URL and parameters of one page (the key is the ``appId`` parameter)."""
    for code in products:
        if not (code.isdigit() and len(code) == 9):
            raise ConfigError(f"product code {code!r}: expected a 9-digit 統計品目番号")
    if not 1 <= limit <= MAX_LIMIT:
        raise ConfigError(f"limit must be 1..{MAX_LIMIT}")
    params = {
        "appId": app_id,
        "statsDataId": table.stats_data_id,
        f"cd{table.product_dim.capitalize()}": ",".join(products),
        "metaGetFlg": "Y",
        "cntGetFlg": "N",
        "sectionHeaderFlg": "1",
        "lang": "J",
        "limit": str(limit),
    }
    if partners:
        params[f"cd{table.partner_dim.capitalize()}"] = ",".join(partners)
    if times:
        params["cdTime"] = ",".join(times)
    if start_position is not None:
        params["startPosition"] = str(start_position)
    return URL, params


def fetch(
    *,
    tables: Sequence[EstatTable],
    app_id: str,
    products: Sequence[str],
    client: HttpClient,
    snapshot_dir: Path,
    partners: Sequence[str] | None = None,
    times: Sequence[str] | None = None,
    limit: int = MAX_LIMIT,
    now: datetime,
) -> Path:
    """Fetch every page of every table (following ``NEXT_KEY``); write one snapshot."""
    files: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    requests: list[dict[str, Any]] = []
    for table in tables:
        start: int | None = None
        page = 1
        while True:
            url, params = build_request(
                table,
                app_id=app_id,
                products=products,
                partners=partners,
                times=times,
                limit=limit,
                start_position=start,
            )
            name = f"getStatsData_{table.stats_data_id}_{table.flow}_p{page:03d}.json"
            body = client.get(url, params=params).content
            data = _statistical_data(decode_json(body, name), Path(name))
            rows[name] = len(_values(data, Path(name)))
            files[name] = body
            requests.append(
                {
                    "file": name,
                    "url": url,
                    "params": params,
                    "flow": table.flow,
                    "product_dim": table.product_dim,
                    "partner_dim": table.partner_dim,
                    "measure_dim": table.measure_dim,
                }
            )
            next_key = (data.get("RESULT_INF") or {}).get("NEXT_KEY")
            if next_key in (None, ""):
                break
            start, page = int(next_key), page + 1
    stamp = now
    return write_snapshot(
        snapshot_dir,
        SOURCE,
        files,
        producer=PRODUCER,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        url=URL,
        vintage=f"e-Stat getStatsData, fetched {stamp:%Y-%m-%dT%H:%MZ}",
        vintage_date=stamp.date(),
        query={"requests": requests},
        rows=rows,
        note="Raw e-Stat JSON responses, unchanged. Values thousand yen.",
        now=stamp,
    )


def parse(snapshot_path: Path) -> pa.Table:
    """One trade row per product x partner x period of every file (its measures joined);
    ``source_row_number`` is the number of the row's first VALUE record across the files."""
    prov, query = read_snapshot(snapshot_path)
    by_file = {r.get("file"): r for r in query.get("requests", []) if isinstance(r, dict)}
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    offset = 0
    for rec in prov.files:
        path = Path(snapshot_path) / rec.name
        spec = by_file.get(rec.name)
        if spec is None or spec.get("flow") not in ("M", "X"):
            raise DataError(str(path), "snapshot.json does not record this file's flow")
        table = EstatTable(
            str(spec.get("params", {}).get("statsDataId", "")),
            spec["flow"],
            spec.get("product_dim", "cat01"),
            spec.get("partner_dim", "area"),
            spec.get("measure_dim", "tab"),
        )
        offset += parse_file(path, table, groups, offset)
    return trade_table([_finish(g) for g in groups.values()])


def parse_file(
    path: Path,
    table: EstatTable,
    groups: dict[tuple[str, str, str, str], dict[str, Any]],
    offset: int = 0,
) -> int:
    """Add the VALUEs of one response file to ``groups`` (keyed by table, product, partner,
    time: a table's pages are joined); return the file's number of VALUEs. Records are
    numbered ``offset + i`` (``i`` is 1-based within the file and used in errors)."""
    data = _statistical_data(load_json(path), path)
    values = _values(data, path)
    measures = _measure_names(data, table.measure_dim, path)
    nulls = _null_chars(data)
    for i, v in enumerate(values, start=1):
        if not isinstance(v, dict):
            raise DataError(str(path), "VALUE is not an object", row=i)
        keys = {}
        for dim in (table.product_dim, table.partner_dim, "time", table.measure_dim):
            if not isinstance(v.get(f"@{dim}"), str):
                raise DataError(str(path), "missing field", row=i, column=f"@{dim}")
            keys[dim] = v[f"@{dim}"]
        measure, class_unit = measures.get(keys[table.measure_dim], (None, None))
        if measure is None:
            raise DataError(
                str(path),
                "unknown measure",
                row=i,
                column=f"@{table.measure_dim}",
                value=keys[table.measure_dim],
            )
        raw = v.get("$")
        amount = None if raw in nulls else to_float(raw, path, i, "$", nullable=False)
        unit = v.get("@unit") or class_unit  # a VALUE may leave the class's unit implicit
        if measure == "value" and unit != VALUE_UNIT:
            raise DataError(
                str(path), f"value not in {VALUE_UNIT}", row=i, column="@unit", value=str(unit)
            )
        cell = (keys[table.product_dim], keys[table.partner_dim], keys["time"])
        key = (table.stats_data_id or table.flow, *cell)
        if key not in groups:
            groups[key] = {
                "_first": offset + i,
                "file_name": path.name,
                **_row_base(cell, table, path, i),
            }
        if measure in groups[key]:
            raise DataError(str(path), f"{measure} given twice for {cell}", row=i)
        groups[key][measure] = (amount, unit)
    return len(values)


def _row_base(key: tuple[str, str, str], table: EstatTable, path: Path, i: int) -> dict[str, Any]:
    product, partner, time = key
    if not (product.isdigit() and len(product) == 9):
        raise DataError(
            str(path),
            "not a 9-digit 統計品目番号",
            row=i,
            column=f"@{table.product_dim}",
            value=product,
        )
    if partner not in MOF_COUNTRIES:
        raise DataError(
            str(path),
            "unknown country code (not in MOF_COUNTRIES)",
            row=i,
            column=f"@{table.partner_dim}",
            value=partner,
        )
    m = _TIME.fullmatch(time)
    month = int(m.group(2)) if m else -1
    if not m or m.group(2) != m.group(3) or not 0 <= month <= 12:
        raise DataError(str(path), "bad time code", row=i, column="@time", value=time)
    return {
        "source_name": SOURCE,
        "freq_code": "A" if month == 0 else "M",
        "period_start_date": date(int(m.group(1)), max(month, 1), 1),
        "ref_year": int(m.group(1)),
        "reporter_id_iso3": "JPN",
        "partner_id_iso3": MOF_COUNTRIES[partner],
        "flow_code": table.flow,
        "classification_code": "JPSTAT",
        "product_code": product,
        "product_id_hs6": hs6_of(product),
        "value_usd": None,
        "is_qty_estimated": False,
    }


def _finish(g: dict[str, Any]) -> dict[str, Any]:
    """Join a group's measures: value, the first quantity with a unit, the weight in kg."""
    value = g.pop("value", (None, None))[0]
    quantities = [q for q in (g.pop("q1", None), g.pop("q2", None)) if q and q[1]]
    qty, unit = quantities[0] if quantities else (None, None)
    weight = next(
        (a * WEIGHT_UNITS[u] for a, u in quantities if u in WEIGHT_UNITS and a is not None), None
    )
    first = g.pop("_first")
    return {
        **g,
        "value_kjpy": value,
        "qty": qty,
        "qty_unit_code": unit,
        "net_weight_kg": weight,
        "source_row_number": first,
    }


def _statistical_data(payload: Any, path: Path) -> dict[str, Any]:
    """STATISTICAL_DATA of a response whose RESULT.STATUS is 0; otherwise a DataError."""
    try:
        root = payload["GET_STATS_DATA"]
        status = root["RESULT"]["STATUS"]
    except (KeyError, TypeError):
        raise DataError(str(path), "missing field", column="GET_STATS_DATA.RESULT.STATUS") from None
    if str(status) != "0":
        msg = root["RESULT"].get("ERROR_MSG", "")
        raise DataError(str(path), f"e-Stat status {status}: {msg}", value=str(status))
    data = root.get("STATISTICAL_DATA")
    if not isinstance(data, dict):
        raise DataError(str(path), "missing field", column="GET_STATS_DATA.STATISTICAL_DATA")
    return data


def _listify(x: Any) -> list[Any]:
    """e-Stat prints a one-element list as the element itself."""
    return x if isinstance(x, list) else [x]


def _values(data: dict[str, Any], path: Path) -> list[Any]:
    inf = data.get("DATA_INF")
    if not isinstance(inf, dict) or "VALUE" not in inf:
        raise DataError(str(path), "missing field", column="DATA_INF.VALUE")
    return _listify(inf["VALUE"])


def _measure_names(data: dict[str, Any], dim: str, path: Path) -> dict[str, tuple[str, str | None]]:
    """code -> (measure, unit of the class) for the measure dimension, from CLASS_INF."""
    objs = _listify((data.get("CLASS_INF") or {}).get("CLASS_OBJ", []))
    obj = next((o for o in objs if isinstance(o, dict) and o.get("@id") == dim), None)
    if obj is None:
        raise DataError(str(path), "missing field", column=f"CLASS_INF.CLASS_OBJ[@id={dim}]")
    out = {}
    for c in _listify(obj.get("CLASS", [])):
        if not isinstance(c, dict) or "@code" not in c:
            raise DataError(str(path), "class without @code", column=f"CLASS_OBJ[@id={dim}]")
        name = str(c.get("@name", ""))
        measure = next((m for label, m in MEASURES.items() if label in name), None)
        if measure is None:
            raise DataError(
                str(path), "unknown measure class", column=f"CLASS_OBJ[@id={dim}]", value=name
            )
        out[str(c["@code"])] = (measure, c.get("@unit") or None)
    return out


def _null_chars(data: dict[str, Any]) -> set[str]:
    notes = _listify((data.get("DATA_INF") or {}).get("NOTE", []))
    return {str(n["@char"]) for n in notes if isinstance(n, dict) and "@char" in n}
