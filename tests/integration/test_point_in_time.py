"""'As of D' uses only rows available by D, from the documented publication-lag rules."""

from __future__ import annotations

from datetime import date

import duckdb

from supplywatch.catalog.tables import TABLES
from supplywatch.store.pit import as_of_sql


def _max_year(con: duckdb.DuckDBPyConnection, table: str, d: date) -> int | None:
    row = con.execute(f"SELECT max(ref_year) FROM ({as_of_sql(TABLES[table], d)})").fetchall()
    return None if row[0][0] is None else int(row[0][0])


def test_baci_release_lag(small_store: duckdb.DuckDBPyConnection) -> None:
    # year Y is published with the BACI release of January Y+2
    assert _max_year(small_store, "core_baci__yearly_trade", date(2024, 1, 30)) == 2021
    assert _max_year(small_store, "core_baci__yearly_trade", date(2024, 1, 31)) == 2022
    assert _max_year(small_store, "core_baci__yearly_trade", date(2026, 11, 24)) == 2024
    assert _max_year(small_store, "core_baci__yearly_trade", date(2020, 1, 1)) is None


def test_wmd_annual_lag(small_store: duckdb.DuckDBPyConnection) -> None:
    assert _max_year(small_store, "core_wmd__yearly_production", date(2025, 5, 30)) == 2022
    assert _max_year(small_store, "core_wmd__yearly_production", date(2025, 5, 31)) == 2023


def test_pinksheet_monthly_lag(small_store: duckdb.DuckDBPyConnection) -> None:
    sql = as_of_sql(TABLES["core_pinksheet__monthly_prices"], date(2021, 11, 4))
    last = small_store.execute(
        f"SELECT max(period_start_date) FROM ({sql}) WHERE commodity_name_wb = 'Urea'"
    ).fetchall()[0][0]
    assert last == date(2021, 9, 1)
    sql = as_of_sql(TABLES["core_pinksheet__monthly_prices"], date(2021, 11, 5))
    last = small_store.execute(
        f"SELECT max(period_start_date) FROM ({sql}) WHERE commodity_name_wb = 'Urea'"
    ).fetchall()[0][0]
    assert last == date(2021, 10, 1)


def _jpn_pv(con: duckdb.DuckDBPyConnection, d: date, year: int) -> list[tuple[object, ...]]:
    sql = as_of_sql(TABLES["core_wgi__yearly_governance"], d)
    return con.execute(
        f"SELECT wgi_release_code, round(wgi_estimate, 6) FROM ({sql}) WHERE "
        f"country_id_iso3 = 'JPN' AND wgi_dimension_code = 'pv' AND "
        f"ref_year = {year}"
    ).fetchall()


def test_wgi_picks_latest_release_published_by_then(small_store: duckdb.DuckDBPyConnection) -> None:
    # 2023 values appear on 2024-11-30 (lag rule); WGI-2024 was published 2024-11-07
    assert _jpn_pv(small_store, date(2024, 11, 29), 2023) == []
    assert _jpn_pv(small_store, date(2024, 12, 1), 2023) == [("WGI-2024", 0.951136)]
    # the WGI-2025 release (vintage date 2025-11-30) revises the same year
    assert _jpn_pv(small_store, date(2025, 12, 1), 2023) == [("WGI-2025", 1.267426)]
    # before any release held was published, the earliest release stands in
    assert [r[0] for r in _jpn_pv(small_store, date(2020, 1, 1), 2018)] == ["WGI-2024"]
