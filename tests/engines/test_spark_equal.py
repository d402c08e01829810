"""Every indicator gives the same result on DuckDB and on Spark, over the real bundle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import ibis
import pandas as pd
import pytest

from supplywatch.alerts.evaluate import INDICATOR_TABLES, Frames, compute_frames

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.spark, pytest.mark.slow]

KEYS = {
    "dep": ["item_id", "importer_id", "ref_year"],
    "gov": ["wgi_release_code", "item_id", "importer_id", "ref_year"],
    "prod": ["item_id", "ref_year"],
    "prices": ["commodity_name_wb", "period_start_date"],
    "materials": ["material_id"],
    "releases": ["wgi_release_code"],
    "supply_risk": ["item_id", "importer_id", "ref_year"],
}


@pytest.fixture(scope="module")
def both(
    bundle_store: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Frames, Frames]]:
    from supplywatch.store.spark_store import export_tables, spark_backend, spark_session

    parquet = export_tables(
        bundle_store, list(INDICATOR_TABLES), tmp_path_factory.mktemp("parquet")
    )
    session = spark_session()
    try:
        spark = compute_frames(spark_backend(session, parquet))
    finally:
        session.stop()
    yield compute_frames(ibis.duckdb.from_connection(bundle_store)), spark


@pytest.mark.parametrize("frame", sorted(KEYS))
def test_same_result_on_both_engines(both: tuple[Frames, Frames], frame: str) -> None:
    a: Any = getattr(both[0], frame)
    b: Any = getattr(both[1], frame)
    key = KEYS[frame]
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)[a.columns]
    assert len(a) == len(b) > 0
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9, atol=1e-12)
