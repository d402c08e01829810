"""Invariants checked with hypothesis."""

from __future__ import annotations

import csv
import io
import random
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import NOW, SOURCES, TEST_DATA

from supplywatch.catalog.tables import TABLES
from supplywatch.pipeline.bundle import ingest_bundle
from supplywatch.pipeline.readers import read_file
from supplywatch.sources import pinksheet
from supplywatch.store.duckdb_store import connect, table_checksums
from supplywatch.store.pit import as_of_sql


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path_factory.mktemp("prop") / "p.duckdb")
    ingest_bundle(con, TEST_DATA, list(SOURCES), now=NOW)
    yield con
    con.close()


_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
_PIT_TABLES = [
    n
    for n, t in TABLES.items()
    if "available_date" in t.fields and n != "core_customs__trade_flows"
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(d1=_dates, d2=_dates, table=st.sampled_from(_PIT_TABLES))
def test_as_of_uses_only_available_rows_and_grows(
    store: duckdb.DuckDBPyConnection, d1: date, d2: date, table: str
) -> None:
    early, late = sorted((d1, d2))
    t = TABLES[table]
    rows_late = store.execute(
        f"SELECT max(available_date), count(*) FROM ({as_of_sql(t, late)})"
    ).fetchall()[0]
    assert rows_late[0] is None or rows_late[0] <= late
    key = ", ".join(t.entity_key)
    known_early = store.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM ({as_of_sql(t, early)}))"
    ).fetchall()[0][0]
    known_both = store.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM ({as_of_sql(t, early)}) "
        f"INTERSECT SELECT DISTINCT {key} FROM ({as_of_sql(t, late)}))"
    ).fetchall()[0][0]
    assert known_both == known_early, "what was known earlier is still known later"
    if t.version_field is not None:  # exactly one release per key
        dup = store.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM ({as_of_sql(t, late)}) "
            f"GROUP BY ALL HAVING count(*) > 1)"
        ).fetchall()[0][0]
        assert dup == 0


_SPEC = pinksheet.SPEC.files[0]  # the real declaration; read_file takes any path
_cell = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r"), max_size=12
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(_cell, _cell, _cell, _cell, _cell), max_size=15))
def test_csv_reader_round_trips(rows: list[tuple[str, ...]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["date", "period", "commodity", "unit", "price"])
    w.writerows(rows)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.csv"
        p.write_text(buf.getvalue(), encoding="utf-8")
        t = read_file(p, _SPEC)
    got = list(zip(*(t.column(c).to_pylist() for c in _SPEC.columns.values() if c), strict=True))
    assert got == [tuple(None if v == "" else v for v in r) for r in rows]


_section = st.tuples(st.text(alphabet="IVXL", min_size=1, max_size=4), st.text(max_size=8))


@settings(max_examples=20, deadline=None)
@given(
    rows=st.lists(_section, min_size=1, max_size=12, unique_by=lambda r: r[0]), seed=st.randoms()
)
def test_table_checksums_ignore_row_order(rows: list[tuple[str, str]], seed: random.Random) -> None:
    numbered = [(code, name, n + 1) for n, (code, name) in enumerate(rows)]
    shuffled = list(numbered)
    seed.shuffle(shuffled)
    sums = []
    with tempfile.TemporaryDirectory() as d:
        for i, order in enumerate((numbered, shuffled)):
            con = connect(Path(d) / f"s{i}.duckdb")
            con.executemany(
                "INSERT INTO raw_hs__sections VALUES (?, ?, ?, 'hs-000000000000')", order
            )
            sums.append(table_checksums(con))
            con.close()
    assert sums[0] == sums[1]
    assert sums[0]["raw_hs__sections"][0] == len(rows)
