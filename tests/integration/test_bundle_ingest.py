"""The whole bundle loads; values match the published files; re-running is a no-op."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from tests.conftest import BUNDLE, NOW

from supplywatch.pipeline.bundle import ingest_bundle
from supplywatch.store.duckdb_store import table_checksums


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[object, ...]:
    rows = con.execute(sql).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(
    ("table", "rows"),
    [
        ("raw_baci__yearly_trade", 1_264_888),
        ("core_baci__yearly_trade", 1_264_888),
        ("raw_wmd__yearly_production", 14_133),
        ("core_wmd__yearly_production", 14_133 - 455),  # world totals dropped
        ("raw_wgi__yearly_governance", 32_100),
        ("core_wgi__yearly_governance", 32_100 + 5_642 - 52),  # GUY rows of WGI-2025 dropped
        ("core_pinksheet__monthly_prices", 50_167),
        ("core_hs__concordance", 43_863),
    ],
)
def test_row_counts(bundle_store: duckdb.DuckDBPyConnection, table: str, rows: int) -> None:
    assert _one(bundle_store, f"SELECT count(*) FROM {table}")[0] == rows


def test_baci_flow_values(bundle_store: duckdb.DuckDBPyConnection) -> None:
    row = _one(
        bundle_store,
        "SELECT value_kusd, qty_t, available_date FROM "
        "core_baci__yearly_trade WHERE importer_id_iso3 = 'JPN' AND exporter_id_iso3 = "
        "'CHN' AND product_id_hs6 = '284690' AND ref_year = 2010",
    )
    assert row == (278942.597, 8642.536, date(2012, 1, 31))


def test_baci_codes_sharing_an_iso3_do_not_collide(bundle_store: duckdb.DuckDBPyConnection) -> None:
    # BACI 58 (Belgium-Luxembourg ...1998) and 56 (Belgium) both map to BEL.
    years = _one(
        bundle_store,
        "SELECT min(ref_year), max(ref_year) FROM core_baci__yearly_trade "
        "WHERE exporter_id_iso3 = 'BEL'",
    )
    assert years == (1995, 2024)


def test_wmd_values_units_and_fix(bundle_store: duckdb.DuckDBPyConnection) -> None:
    assert _one(
        bundle_store,
        "SELECT production_t, data_source_code FROM "
        "core_wmd__yearly_production WHERE commodity_name_wmd = 'Rare Earths (REO)' AND "
        "country_id_iso3 = 'CHN' AND ref_year = 2024",
    ) == (270000.0, "r")
    gold = bundle_store.execute(
        "SELECT country_id_iso3, production_amount, unit_code, production_t FROM "
        "core_wmd__yearly_production WHERE commodity_name_wmd = 'Gold' AND ref_year = 2018 AND "
        "country_id_iso3 IN ('GUF', 'GUY') ORDER BY 1"
    ).fetchall()
    assert gold == [("GUF", 1320.0, "kg", 1.32), ("GUY", 19069.0, "kg", 19.069)]
    # the raw table keeps the source as published
    assert (
        _one(
            bundle_store,
            "SELECT count(*) FROM raw_wmd__yearly_production WHERE "
            "country_name = 'French Guiana' AND country_iso3_reported = 'GUY'",
        )[0]
        == 7
    )


def test_wgi_releases_kept_apart(bundle_store: duckdb.DuckDBPyConnection) -> None:
    rows = bundle_store.execute(
        "SELECT wgi_release_code, round(wgi_estimate, 6) FROM core_wgi__yearly_governance WHERE "
        "country_id_iso3 = 'JPN' AND ref_year = 2023 AND wgi_dimension_code = 'pv' ORDER BY 1"
    ).fetchall()
    assert rows == [("WGI-2024", 0.951136), ("WGI-2025", 1.267426)]


def test_pinksheet_value(bundle_store: duckdb.DuckDBPyConnection) -> None:
    assert _one(
        bundle_store,
        "SELECT price_nominal, unit_code, available_date FROM "
        "core_pinksheet__monthly_prices WHERE commodity_name_wb = 'Urea' AND "
        "period_start_date = DATE '2021-10-01'",
    ) == (695.0, "($/mt)", date(2021, 11, 5))


def test_provenance_recorded(bundle_store: duckdb.DuckDBPyConnection) -> None:
    row = _one(
        bundle_store,
        "SELECT producer_name, licence_name, sha256, row_count FROM "
        "core_supplywatch__snapshots WHERE file_name = "
        "'baci_hs92_minerals_1995_2024.parquet'",
    )
    assert row == (
        "CEPII",
        "Etalab Open Licence 2.0",
        "4320f03fef7307c9f1eaf9eb6013c11ad85d55df09ac4af4724f7b94c1eb31bd",
        1_264_888,
    )


def test_rerun_is_a_noop(bundle_store: duckdb.DuckDBPyConnection) -> None:
    before = table_checksums(bundle_store)
    results = ingest_bundle(bundle_store, BUNDLE, now=NOW)
    assert {r.status for r in results} == {"unchanged"}
    assert table_checksums(bundle_store) == before


def test_forced_reload_gives_identical_tables(bundle_store: duckdb.DuckDBPyConnection) -> None:
    before = {
        k: v for k, v in table_checksums(bundle_store).items() if k != "core_supplywatch__snapshots"
    }
    ingest_bundle(bundle_store, BUNDLE, ["wgi"], force=True, now=NOW)
    after = table_checksums(bundle_store)
    assert {k: v for k, v in after.items() if k != "core_supplywatch__snapshots"} == before
