"""Korea Customs Service: trade by HSK code and country, monthly (data.go.kr OpenAPI).

Service 관세청_품목별 국가별 수출입실적(GW) (data.go.kr dataset 15100475), operation
``GET https://apis.data.go.kr/1220000/nitemtrade/getNitemtradeList`` with ``serviceKey``
(the portal's *decoded* key: the client percent-encodes it), ``strtYymm``/``endYymm``
(YYYYMM, at most one year apart), ``hsSgn`` (HS/HSK code, 2 to 10 digits) and ``cntyCd``
(ISO alpha-2; documented as required, left out here to get every partner when no country is
asked for). The response is XML::

    <response><header><resultCode>00</resultCode><resultMsg>...</resultMsg></header>
      <body><items><item><year>2024.01</year><statCd>CN</statCd><statCdCntnKor1>중국...
        <hsCd>2504101000</hsCd><statKor>...</statKor><expWgt>..</expWgt><expDlr>..</expDlr>
        <impWgt>..</impWgt><impDlr>..</impDlr><balPayments>..</balPayments></item>...

Weights are net kg, values US dollars (imports CIF, exports FOB). Each item gives one export
row (X) and one import row (M). The item with ``year`` 총계 (total over the whole request,
``statCd``/``hsCd`` "-") is skipped and counted. A gateway error arrives as HTTP 200 with
``<OpenAPI_ServiceResponse><cmmMsgHeader><returnReasonCode>``: a DataError, like any
``resultCode`` other than 00.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET  # noqa: S405 - DOCTYPEs are refused before parsing
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pycountry

from supplywatch.errors import ConfigError, DataError
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import (
    hs6_of,
    read_snapshot,
    to_float,
    trade_table,
    write_snapshot,
)

log = logging.getLogger(__name__)

SOURCE = "kcs"
URL = "https://apis.data.go.kr/1220000/nitemtrade/getNitemtradeList"
TOTAL_YEAR = "총계"
FIELDS = ("year", "statCd", "hsCd", "expWgt", "expDlr", "impWgt", "impDlr")
_YEAR = re.compile(r"(\d{4})\.(\d{2})")
_YYYYMM = re.compile(r"(\d{4})(0[1-9]|1[0-2])")

PRODUCER = "Korea Customs Service (관세청), via the Public Data Portal (data.go.kr)"
LICENCE = "Korea Open Government License (KOGL) as stated on data.go.kr for dataset 15100475"
ATTRIBUTION = "Korea Customs Service, trade statistics (관세청 수출입무역통계)"


def month_windows(start: str, end: str) -> list[tuple[str, str]]:
    """Split ``start``..``end`` (YYYYMM, inclusive) into windows of at most 12 months."""
    a, b = _yyyymm(start), _yyyymm(end)
    if b < a:
        raise ConfigError(f"end {end} is before start {start}")
    out = []
    while a <= b:
        last = min(b, a + 11)
        out.append((_fmt(a), _fmt(last)))
        a = last + 1
    return out


def build_request(
    *, hs_code: str, start: str, end: str, service_key: str, country: str | None = None
) -> tuple[str, dict[str, str]]:
    """URL and parameters of one request (the key is the ``serviceKey`` parameter)."""
    if not (hs_code.isdigit() and 2 <= len(hs_code) <= 10):
        raise ConfigError(f"hsSgn must be 2 to 10 digits, not {hs_code!r}")
    if month_windows(start, end) != [(start, end)]:
        raise ConfigError(f"{start}..{end}: one request covers at most 12 months")
    params = {"serviceKey": service_key, "strtYymm": start, "endYymm": end, "hsSgn": hs_code}
    if country is not None:
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ConfigError(f"cntyCd must be an ISO alpha-2 code, not {country!r}")
        params["cntyCd"] = country
    return URL, params


def fetch(
    *,
    hs_codes: Sequence[str],
    start: str,
    end: str,
    service_key: str,
    client: HttpClient,
    snapshot_dir: Path,
    countries: Sequence[str] | None = None,
    now: datetime,
) -> Path:
    """Fetch every HS code x country x 12-month window; write one snapshot of the raw XML."""
    files: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    requests: list[dict[str, Any]] = []
    for hs_code in hs_codes:
        wanted: list[str | None] = list(countries) if countries else [None]
        for country in wanted:
            for a, b in month_windows(start, end):
                url, params = build_request(
                    hs_code=hs_code, start=a, end=b, service_key=service_key, country=country
                )
                name = f"nitemtrade_{hs_code}_{country or 'ALL'}_{a}_{b}.xml"
                body = client.get(url, params=params).content
                rows[name] = len(_items(body, Path(name)))
                files[name] = body
                requests.append({"file": name, "url": url, "params": params})
    stamp = now
    return write_snapshot(
        snapshot_dir,
        SOURCE,
        files,
        producer=PRODUCER,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        url=URL,
        vintage=f"KCS nitemtrade, fetched {stamp:%Y-%m-%dT%H:%MZ}",
        vintage_date=stamp.date(),
        query={"requests": requests},
        rows=rows,
        note="Raw XML responses, unchanged. Values USD, weights net kg.",
        now=stamp,
    )


def parse(snapshot_path: Path) -> pa.Table:
    """Trade rows (X and M per item) of every file of a KCS snapshot; ``source_row_number``
    is the item's number across the files (both rows of an item share it)."""
    prov, _ = read_snapshot(snapshot_path)
    out: list[dict[str, Any]] = []
    totals = 0
    number = 0
    for rec in prov.files:
        path = Path(snapshot_path) / rec.name
        for i, item in enumerate(_items(path.read_bytes(), path), start=1):
            number += 1
            parsed = parse_item(item, path, i)
            if not parsed:
                totals += 1
            for row in parsed:
                row["source_row_number"] = number
                row["file_name"] = rec.name
                out.append(row)
    if totals:
        log.info("%s: skipped %d total (총계) item(s)", snapshot_path, totals)
    return trade_table(out)


def parse_item(item: dict[str, str | None], path: Path, i: int) -> list[dict[str, Any]]:
    """The export and import rows of one ``<item>`` (none for the 총계 total item)."""
    if item.get("year") == TOTAL_YEAR:
        return []
    for key in FIELDS:
        if item.get(key) is None:
            raise DataError(str(path), "missing field", row=i, column=key)
    year = str(item["year"])
    m = _YEAR.fullmatch(year)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise DataError(str(path), "period is not YYYY.MM", row=i, column="year", value=year)
    start = date(int(m.group(1)), int(m.group(2)), 1)
    partner = _iso3_of_alpha2(str(item["statCd"]), path, i)
    code = str(item["hsCd"])
    if not (code.isdigit() and 2 <= len(code) <= 10):
        raise DataError(str(path), "bad HSK code", row=i, column="hsCd", value=code)
    base = {
        "source_name": SOURCE,
        "freq_code": "M",
        "period_start_date": start,
        "ref_year": start.year,
        "reporter_id_iso3": "KOR",
        "partner_id_iso3": partner,
        "classification_code": "HSK",
        "product_code": code,
        "product_id_hs6": hs6_of(code),
        "value_kjpy": None,
        "qty": None,
        "qty_unit_code": None,
        "is_qty_estimated": False,
    }
    out = []
    for flow, prefix in (("X", "exp"), ("M", "imp")):
        value = to_float(item[f"{prefix}Dlr"], path, i, f"{prefix}Dlr", nullable=False)
        weight = to_float(item[f"{prefix}Wgt"], path, i, f"{prefix}Wgt", nullable=False)
        out.append({**base, "flow_code": flow, "value_usd": value, "net_weight_kg": weight})
    return out


def _items(body: bytes, path: Path) -> list[dict[str, str | None]]:
    """The ``<item>`` records of a response as {tag: text}; errors raise DataError."""
    if b"<!DOCTYPE" in body[:2048].upper():
        raise DataError(str(path), "XML with a DOCTYPE is refused")
    try:
        root = ET.fromstring(body)  # noqa: S314 - no DOCTYPE, so no entity expansion
    except ET.ParseError as exc:
        raise DataError(str(path), f"not well-formed XML (truncated response?): {exc}") from None
    if root.tag == "OpenAPI_ServiceResponse":
        reason = (root.findtext("cmmMsgHeader/returnReasonCode") or "").strip()
        auth = (root.findtext("cmmMsgHeader/returnAuthMsg") or "").strip()
        raise DataError(str(path), f"data.go.kr gateway error {reason}: {auth}")
    if root.tag != "response":
        raise DataError(str(path), f"unexpected root element <{root.tag}>")
    code = root.findtext("header/resultCode")
    if code is None:
        raise DataError(str(path), "missing field", column="header/resultCode")
    if code.strip() != "00":
        msg = (root.findtext("header/resultMsg") or "").strip()
        raise DataError(str(path), f"KCS result code {code.strip()}: {msg}", value=code.strip())
    items = root.find("body/items")
    if items is None:
        raise DataError(str(path), "missing element", column="body/items")
    return [{child.tag: child.text for child in item} for item in items.findall("item")]


def _iso3_of_alpha2(code: str, path: Path, i: int) -> str:
    found = pycountry.countries.get(alpha_2=code) if re.fullmatch(r"[A-Z]{2}", code) else None
    if found is None:
        raise DataError(str(path), "unknown country code", row=i, column="statCd", value=code)
    return str(found.alpha_3)


def _yyyymm(text: str) -> int:
    m = _YYYYMM.fullmatch(text)
    if not m:
        raise ConfigError(f"{text!r} is not YYYYMM")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def _fmt(months: int) -> str:
    return f"{months // 12}{months % 12 + 1:02d}"
