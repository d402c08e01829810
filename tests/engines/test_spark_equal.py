"""Every indicator gives the same result on DuckDB and on Spark, over the real bundle."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import ibis
import pandas as pd
import pytest

from supplywatch.indicators import production, trade

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.spark, pytest.mark.slow]

TABLES = [
    "core_baci__yearly_trade",
    "core_supplywatch__material_products",
    "core_wmd__yearly_production",
    "core_wgi__yearly_governance",
]


@pytest.fixture(scope="module")
def engines(
    bundle_store: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, Any]]:
    from supplywatch.store.spark_store import export_tables, spark_backend, spark_session

    parquet = export_tables(bundle_store, TABLES, tmp_path_factory.mktemp("parquet"))
    session = spark_session()
    yield ibis.duckdb.from_connection(bundle_store), spark_backend(session, parquet)
    session.stop()


def _dependence(con: Any) -> Any:
    links = con.table("core_supplywatch__material_products").rename(item_id="material_id")
    flows = trade.item_flows(con.table("core_baci__yearly_trade"), links)
    return trade.dependence(trade.importer_flows(flows, ["KOR", "JPN", "BLOC", "USA"]))


def _production(con: Any) -> Any:
    return production.production_concentration(con.table("core_wmd__yearly_production"))


@pytest.mark.parametrize("indicator", [_dependence, _production], ids=["dependence", "production"])
def test_same_result_on_both_engines(
    engines: tuple[Any, Any], indicator: Callable[[Any], Any]
) -> None:
    duck, spark = engines
    a, b = indicator(duck).to_pyarrow().to_pandas(), indicator(spark).to_pyarrow().to_pandas()
    key = [
        c for c in a.columns if c in {"item_id", "importer_id", "ref_year", "commodity_name_wmd"}
    ]
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)[a.columns]
    assert len(a) > 400
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-12)
