"""CSV/Parquet reading: header checks, null markers, zero-padding, row numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from supplywatch.errors import DataError
from supplywatch.pipeline.readers import read_file
from supplywatch.sources.base import FileSpec

SPEC = FileSpec(
    "x.csv",
    "raw_hs__concordance",
    {
        "code.after": "code_after_text",
        "code.before": "code_before_text",
        "Relationship": "relationship_code",
        "adjustment": None,
    },
    null_markers=("NA",),
    zfill6=("code_after_text", "code_before_text"),
)


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "x.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_rows_with_line_numbers_and_padding(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "\ufeffcode.after,code.before,Relationship,adjustment\n"
        '10111,10111,1:1,"1996 to\n1992"\n811292,NA,n:1,2002 to 1996\n',
    )
    t = read_file(p, SPEC)
    assert t.column_names == [
        "code_after_text",
        "code_before_text",
        "relationship_code",
        "source_row_number",
    ]
    assert t.column("code_after_text").to_pylist() == ["010111", "811292"]
    assert t.column("code_before_text").to_pylist() == ["010111", None]
    assert t.column("source_row_number").to_pylist() == [2, 4]  # a quoted newline spans lines


@pytest.mark.parametrize(
    ("header", "column", "message"),
    [
        ("code.after,code.before,Relationship", "adjustment", "missing column"),
        ("code.after,code.before,Relationship,adjustment,extra", "extra", "unexpected column"),
        ("code.after,code.before,relationship,adjustment", "Relationship", "missing column"),
    ],
)
def test_header_errors_name_the_column(
    tmp_path: Path, header: str, column: str, message: str
) -> None:
    p = _write(tmp_path, header + "\n")
    with pytest.raises(DataError) as info:
        read_file(p, SPEC)
    assert (info.value.row, info.value.column) == (1, column)
    assert message in info.value.message
    assert str(p) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_file(tmp_path / "nope.csv", SPEC)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="empty file"):
        read_file(_write(tmp_path, ""), SPEC)
