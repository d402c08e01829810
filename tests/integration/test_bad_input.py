"""Bad input gets one clear error naming file, row and column; the store is left unchanged."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml
from tests.conftest import BUNDLE, NOW

from supplywatch.errors import DataError
from supplywatch.pipeline.bundle import load_manifest
from supplywatch.pipeline.ingest import ingest_source
from supplywatch.sources.base import sha256_file
from supplywatch.sources.registry import get_source
from supplywatch.store.duckdb_store import table_checksums


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _reseal(extracts: Path, source: str) -> None:
    """Update the manifest's checksums and sizes (not its row counts) to the files as they
    now are: the corrupted file then reaches the content checks, as a release whose manifest
    was regenerated with it would."""
    path = extracts / "manifest.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rec in doc["sources"][source]["files"]:
        f = extracts / source / rec["name"]
        rec["sha256"], rec["size_bytes"] = sha256_file(f), f.stat().st_size
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _ingest(
    con: duckdb.DuckDBPyConnection, extracts: Path, source: str, reseal: bool = True
) -> None:
    if reseal:
        _reseal(extracts, source)
    ingest_source(
        con, get_source(source), extracts / source, load_manifest(extracts)[source], now=NOW
    )


def _expect_error(
    con: duckdb.DuckDBPyConnection, extracts: Path, source: str, reseal: bool = True
) -> DataError:
    before = table_checksums(con)
    with pytest.raises(DataError) as info:
        _ingest(con, extracts, source, reseal)
    assert table_checksums(con) == before, "a failed load must leave the store exactly as it was"
    return info.value


def test_truncated_csv(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "wmd" / "wmd_production_2018_2024.csv"
    lines = _lines(path)
    last = lines[-1]
    path.write_text("".join(lines[:-1]) + last[: last.index(",") + 3], encoding="utf-8")
    err = _expect_error(small_store, extracts, "wmd")
    assert err.file == str(path)
    assert err.row == len(lines)
    assert "expected 8 fields, found 2" in err.message


def test_truncated_parquet(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "baci" / "baci_hs92_minerals_1995_2024.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    err = _expect_error(small_store, extracts, "baci")
    assert err.file == str(path)
    assert "not a readable Parquet file" in err.message


def test_renamed_column(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "wgi" / "wgi_1996_2023_long.csv"
    lines = _lines(path)
    lines[0] = lines[0].replace(",estimate,", ",estimation,")
    path.write_text("".join(lines), encoding="utf-8")
    err = _expect_error(small_store, extracts, "wgi")
    assert (err.file, err.row, err.column) == (str(path), 1, "estimate")
    assert "estimation" in err.message


def test_unknown_country_code(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "wgi" / "wgi_1996_2023_long.csv"
    lines = _lines(path)
    fields = lines[4].rstrip("\n").split(",")
    fields[-1] = "XYZ"
    lines[4] = ",".join(fields) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    err = _expect_error(small_store, extracts, "wgi")
    assert (err.row, err.column, err.value) == (5, "iso3", "XYZ")
    assert "unknown country code" in err.message


def test_negative_value(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "baci" / "baci_hs92_minerals_1995_2024.parquet"
    table = pq.read_table(path)
    values = table.column("value_kusd").to_pylist()
    values[6] = -12.5
    table = table.set_column(
        table.schema.get_field_index("value_kusd"),
        "value_kusd",
        pc.cast(pc.multiply(pc.cast(values, "float64"), 1.0), "float64"),
    )
    pq.write_table(table, path)
    err = _expect_error(small_store, extracts, "baci")
    assert (err.row, err.column, err.value) == (7, "value_kusd", "-12.5")
    assert "constraint" in err.message


def test_duplicated_key(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "pinksheet" / "pinksheet_monthly_prices_long.csv"
    lines = _lines(path)
    lines.insert(10, lines[3])
    path.write_text("".join(lines), encoding="utf-8")
    err = _expect_error(small_store, extracts, "pinksheet")
    assert err.row == 11
    assert err.column == "commodity, date"
    assert "duplicated key" in err.message


def test_wrong_unit_in_series(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "pinksheet" / "pinksheet_monthly_prices_long.csv"
    lines = _lines(path)
    row = next(i for i, line in enumerate(lines) if ",Urea," in line and i > 5)
    lines[row] = lines[row].replace("($/mt)", "($/kg)")
    path.write_text("".join(lines), encoding="utf-8")
    err = _expect_error(small_store, extracts, "pinksheet")
    assert (err.row, err.column, err.value) == (row + 1, "unit", "($/kg)")
    assert "unit differs within series 'Urea'" in err.message


def test_unknown_unit(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "wmd" / "wmd_production_2018_2024.csv"
    lines = _lines(path)
    lines[3] = lines[3].replace("metr. t", "short tons")
    path.write_text("".join(lines), encoding="utf-8")
    err = _expect_error(small_store, extracts, "wmd")
    assert (err.row, err.column, err.value) == (4, "unit", "short tons")
    assert "unknown unit" in err.message


def test_unknown_hs_code(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "baci" / "baci_hs92_minerals_1995_2024.parquet"
    table = pq.read_table(path)
    codes = table.column("hs6").to_pylist()
    codes[2] = "999999"
    table = table.set_column(
        table.schema.get_field_index("hs6"), "hs6", pc.cast(codes, table.schema.field("hs6").type)
    )
    pq.write_table(table, path)
    err = _expect_error(small_store, extracts, "baci")
    assert (err.row, err.column, err.value) == (3, "hs6", "999999")
    assert "unknown HS1992 6-digit code" in err.message


def test_not_a_number(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "pinksheet" / "pinksheet_monthly_prices_long.csv"
    lines = _lines(path)
    fields = lines[7].rstrip("\n").rsplit(",", 1)
    lines[7] = fields[0] + ",12,5x\n"
    path.write_text("".join(lines), encoding="utf-8")
    err = _expect_error(small_store, extracts, "pinksheet")
    assert err.row == 8


def test_unbalanced_quote(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    path = extracts / "wgi" / "wgi_1996_2023_long.csv"
    lines = _lines(path)
    lines.append('"Unterminated,2023,pv,0.1,0.2,3,50,40,60,JPN\n')
    path.write_text("".join(lines), encoding="utf-8")
    err = _expect_error(small_store, extracts, "wgi")
    assert err.file == str(path)
    assert "malformed CSV" in err.message


def test_fix_that_no_longer_matches_fails_loudly(
    small_store: duckdb.DuckDBPyConnection, extracts: Path
) -> None:
    path = extracts / "wmd" / "wmd_production_2018_2024.csv"
    lines = [line for line in _lines(path) if not line.startswith("Gold,French Guiana,")]
    path.write_text("".join(lines), encoding="utf-8")
    err = _expect_error(small_store, extracts, "wmd")
    assert "declared fix expects 7 rows, found 0" in err.message


def test_bundled_file_must_match_its_manifest(
    small_store: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    import shutil

    src = tmp_path / "wmd"
    shutil.copytree(BUNDLE / "wmd", src)
    path = src / "wmd_country_iso.csv"
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:-40])  # truncated at a line boundary or not: caught
    before = table_checksums(small_store)
    with pytest.raises(DataError, match="differs from the manifest") as info:
        ingest_source(small_store, get_source("wmd"), src, load_manifest(BUNDLE)["wmd"], now=NOW)
    assert info.value.file == str(path)
    assert table_checksums(small_store) == before


@pytest.mark.parametrize("text", ["NaN", "nan", "Infinity", "-inf", "1e400"])
def test_non_finite_number_in_csv(
    small_store: duckdb.DuckDBPyConnection, extracts: Path, text: str
) -> None:
    """`>= 0` holds for NaN in SQL and 1e400 reads as infinity: both refused, row and column
    named, the store unchanged."""
    path = extracts / "pinksheet" / "pinksheet_monthly_prices_long.csv"
    lines = _lines(path)
    lines[7] = lines[7].rstrip("\n").rsplit(",", 1)[0] + f",{text}\n"
    path.write_text("".join(lines), encoding="utf-8")
    err = _expect_error(small_store, extracts, "pinksheet")
    assert (err.file, err.row, err.column, err.value) == (str(path), 8, "price", text)
    assert "not a finite number" in err.message


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_number_in_parquet(
    small_store: duckdb.DuckDBPyConnection, extracts: Path, value: float
) -> None:
    path = extracts / "baci" / "baci_hs92_minerals_1995_2024.parquet"
    table = pq.read_table(path)
    values = table.column("value_kusd").to_pylist()
    values[4] = value
    i = table.schema.get_field_index("value_kusd")
    table = table.set_column(i, "value_kusd", pc.cast(values, "float64"))
    pq.write_table(table, path)
    err = _expect_error(small_store, extracts, "baci")
    assert (err.row, err.column) == (5, "value_kusd")
    assert "not a finite number" in err.message


def test_csv_cut_at_a_line_boundary(small_store: duckdb.DuckDBPyConnection, extracts: Path) -> None:
    """Half the rows, every line whole: it parses, so the manifest's row count catches it."""
    path = extracts / "wgi" / "wgi_1996_2023_long.csv"
    lines = _lines(path)
    path.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    err = _expect_error(small_store, extracts, "wgi")
    assert err.file == str(path)
    want = len(lines) - 1
    assert f"{len(lines) // 2 - 1:,} rows read, the manifest says {want:,}" in err.message


def test_changed_file_without_a_new_manifest(
    small_store: duckdb.DuckDBPyConnection, extracts: Path
) -> None:
    path = extracts / "wgi" / "wgi_1996_2023_long.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("JPN", "KOR", 1), encoding="utf-8")
    err = _expect_error(small_store, extracts, "wgi", reseal=False)
    assert err.file == str(path) and "differs from the manifest" in err.message


def test_file_missing_from_the_manifest(
    small_store: duckdb.DuckDBPyConnection, extracts: Path
) -> None:
    doc = yaml.safe_load((extracts / "manifest.yml").read_text(encoding="utf-8"))
    doc["sources"]["wgi"]["files"] = []
    (extracts / "manifest.yml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    err = _expect_error(small_store, extracts, "wgi", reseal=False)
    assert "not listed in the bundle manifest" in err.message
