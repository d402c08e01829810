"""Tables out as CSV and Excel: any list of records (an API list, a dashboard table). Nested
fields are flattened (``a.b``), lists joined with "; ". The xlsx workbook has the rows on a
"data" sheet and an "about" sheet first: what the table is, when and for whom it was made, the
unit of every column, and the sources with their vintages and licences. CSV is UTF-8 with a
byte-order mark, so Excel reads Hangul and Kanji right."""

from __future__ import annotations

import csv
import io
import math
import re
from typing import Any

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Units by column-name ending (the project's naming rules, docs/data-dictionary.md).
UNIT_SUFFIXES = (
    ("_kusd", "thousand US dollars"),
    ("_usd_per_t", "US dollars per tonne"),
    ("_usd", "US dollars"),
    ("_krw", "Korean won"),
    ("_jpy", "Japanese yen"),
    ("_t_per_day", "tonnes per day"),
    ("_t_per_year", "tonnes per year"),
    ("_t", "tonnes"),
    ("_share", "share (0-1)"),
    ("_days", "days"),
    ("_date", "date (YYYY-MM-DD)"),
    ("_at", "date and time (UTC)"),
    ("_points", "score points (0-100)"),
    ("_z", "z-score"),
    ("_hhi", "Herfindahl-Hirschman index (0-1)"),
    ("_year", "year"),
    ("level", "alert level 0-4 (none, 관심, 주의, 경계, 심각)"),
    ("probability", "probability (0-1)"),
)
#: Excel cells hold at most this many characters.
MAX_CELL = 32_767
#: Control characters XML 1.0 (so xlsx) cannot hold; never meaningful in a table cell.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def unit_of(column: str) -> str:
    last = column.rsplit(".", 1)[-1]
    for suffix, unit in UNIT_SUFFIXES:
        if last.endswith(suffix) or last == suffix.lstrip("_"):
            return unit
    return ""


def flatten(rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns in first-seen order, flat rows)."""
    cols: dict[str, None] = {}
    out = []
    for r in rows:
        flat: dict[str, Any] = {}

        def walk(prefix: str, v: Any, flat: dict[str, Any] = flat) -> None:
            if isinstance(v, dict):
                if not v:
                    flat[prefix] = ""
                for k, x in v.items():
                    walk(f"{prefix}.{k}" if prefix else str(k), x)
            elif isinstance(v, list):
                flat[prefix] = "; ".join(
                    str(x)
                    if not isinstance(x, dict)
                    else ", ".join(f"{k}={y}" for k, y in x.items())
                    for x in v
                )
            else:
                flat[prefix] = v

        walk("", r)
        for k in flat:
            cols.setdefault(k, None)
        out.append(flat)
    return list(cols), out


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, float) and not math.isfinite(v):
        return ""
    if isinstance(v, str):
        v = CONTROL.sub("", v)
        # a leading = + - @ would be read as a formula by a spreadsheet (CSV injection)
        v = "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(v) else v
        return v[:MAX_CELL]
    return v


def _number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    cols, flat = flatten(rows)
    cols = columns or cols
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([_cell(c) for c in cols])
    for r in flat:
        w.writerow([_cell(r.get(c)) for c in cols])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(
    rows: list[dict[str, Any]],
    about: dict[str, Any],
    sources: list[dict[str, Any]],
    columns: list[str] | None = None,
    units: dict[str, str] | None = None,
) -> bytes:
    """The workbook: "about" (the table, units per column, sources), then "data"."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    cols, flat = flatten(rows)
    cols = columns or cols
    wb = Workbook()
    head = wb.active
    assert head is not None
    head.title = "about"
    bold = Font(bold=True)
    for k, v in about.items():
        head.append([_cell(str(k)), _cell(v if not isinstance(v, (dict, list)) else str(v))])
    head.append([])
    head.append(["column", "unit"])
    head.cell(row=head.max_row, column=1).font = bold
    head.cell(row=head.max_row, column=2).font = bold
    for c in cols:
        head.append([_cell(c), _cell((units or {}).get(c) or unit_of(c))])
    head.append([])
    head.append(["source", "vintage", "snapshot", "latest available", "licence", "attribution"])
    for i in range(1, 7):
        head.cell(row=head.max_row, column=i).font = bold
    for s in sources:
        head.append(
            [
                _cell(s.get(k))
                for k in (
                    "source",
                    "vintage",
                    "snapshot_id",
                    "latest_available_date",
                    "licence",
                    "attribution",
                )
            ]
        )
    data = wb.create_sheet("data")
    data.append([_cell(c) for c in cols])
    for i in range(1, len(cols) + 1):
        data.cell(row=1, column=i).font = bold
    for r in flat:
        data.append([_cell(r.get(c)) for c in cols])
    data.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
