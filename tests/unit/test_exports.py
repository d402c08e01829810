"""Table exports: nested records flattened, units by column name, control characters that
XML cannot hold removed, formulas defused, Hangul readable by Excel (BOM)."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from supplywatch.reports.exports import flatten, to_csv, to_xlsx, unit_of


def test_flatten_and_units() -> None:
    cols, rows = flatten([{"a": {"b": 1, "c": [1, 2]}, "level": 3, "import_value_kusd": 2.5}])
    assert cols == ["a.b", "a.c", "level", "import_value_kusd"]
    assert rows == [{"a.b": 1, "a.c": "1; 2", "level": 3, "import_value_kusd": 2.5}]
    assert unit_of("import_value_kusd") == "thousand US dollars"
    assert unit_of("a.quantity_t") == "tonnes" and unit_of("name") == ""


def test_csv_has_a_bom_and_defuses_formulas() -> None:
    body = to_csv([{"item": "=cmd|' /C calc'!A0", "name": "갈륨", "n": "-3.5"}])
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'=cmd" in text and "갈륨" in text and ",-3.5" in text  # a negative number stays


@settings(deadline=None, max_examples=40)  # a workbook takes tens of ms to write
@given(st.text(max_size=40))
def test_any_text_makes_a_valid_workbook(s: str) -> None:
    data = to_xlsx([{s or "x": s, "col\x1f": "a\x00b"}], {"t\x01": s}, [])
    wb = load_workbook(io.BytesIO(data))
    cells = [c for r in wb["data"].iter_rows(values_only=True) for c in r]
    assert "ab" in cells and all("\x00" not in str(c) and "\x1f" not in str(c) for c in cells)
