"""Monthly trade signals from fetched monthly trade, through the store (issue #12): China's real
monthly exports of natural graphite (HS 250410) to Korea and Japan, 2017-2024, from UN
Comtrade (tests/data/comtrade/README.md), ingested as a Comtrade snapshot into the bundle
store. The surge of November 2023 (after the notice of 2023-10-20) and the collapse of
December 2023 move the monthly signal, the import-dynamics factor and the explanation, each
from the day the month became available and not before."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tests.conftest import NOW, TEST_DATA
from tests.contract.conftest import recorded_snapshot

from supplywatch.catalog.tables import TABLES
from supplywatch.pipeline.snapshot_ingest import ingest_snapshot
from supplywatch.sources import comtrade
from supplywatch.store.duckdb_store import connect
from supplywatch.store.pit import as_of_sql

NAME = "monthly_CHN_X_250410_KOR_JPN_2017_2024.json"
S = "out_supplywatch__monthly_signals"


@pytest.fixture(scope="module")
def con(
    store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    tmp = tmp_path_factory.mktemp("monthly")
    path = tmp / "s.duckdb"
    shutil.copyfile(store_path, path)
    snap = recorded_snapshot(
        tmp,
        "comtrade",
        comtrade.BASE_URL,
        {NAME: (TEST_DATA / "comtrade" / NAME).read_bytes()},
        attribution="UN Comtrade",
    )
    c = connect(path)
    res = ingest_snapshot(c, snap, now=NOW)
    assert res.status == "loaded" and res.rows["core_customs__trade_flows"] == 192
    yield c
    c.close()


def _signal(con: duckdb.DuckDBPyConnection, imp: str, day: date) -> pd.Series:
    df = con.execute(
        f"SELECT * FROM ({as_of_sql(TABLES[S], day)}) WHERE item_id = 'natural_graphite' "
        "AND importer_id = ? AND supplier_id_iso3 = 'CHN'",
        [imp],
    ).df()
    assert len(df) == 1, (imp, day)
    return df.iloc[0]


def _factors(con: duckdb.DuckDBPyConnection, imp: str, day: date) -> pd.Series:
    f = as_of_sql(TABLES["out_supplywatch__monthly_factors"], day)
    df = con.execute(
        f"SELECT * FROM ({f}) WHERE item_kind_code = 'material' AND "
        "item_id = 'natural_graphite' AND importer_id = ?",
        [imp],
    ).df()
    return df.iloc[0]


def test_surge_then_collapse_of_chinese_graphite_exports_to_korea(
    con: duckdb.DuckDBPyConnection,
) -> None:
    oct_ = _signal(con, "KOR", date(2024, 1, 31))  # 2023-10, known from 2024-01-01
    assert oct_["period_start_date"] == pd.Timestamp("2023-10-01")
    # September and October 2023 had already fallen to half the usual (real figures)
    assert oct_["value_z"] == pytest.approx(-5.01, abs=0.01) and bool(oct_["is_collapse"])
    assert not oct_["is_surge"] and not oct_["is_surge_then_collapse"]
    nov = _signal(con, "KOR", date(2024, 2, 1))  # 2023-11 known from 2024-02-01 (M+3)
    assert nov["period_start_date"] == pd.Timestamp("2023-11-01")
    assert nov["flow_value_k"] == pytest.approx(23036.914)  # USD 23.0 million (real)
    assert nov["value_z"] == pytest.approx(3.64, abs=0.01) and bool(nov["is_surge"])
    assert nov["flow_side_code"] == "mirror" and nov["source_name"] == "comtrade"
    assert nov["signal_share"] == pytest.approx(nov["weight_share"] * 3.636 / 8, abs=1e-3)
    dec = _signal(con, "KOR", date(2024, 3, 1))
    assert dec["flow_value_k"] == pytest.approx(1972.982)
    assert bool(dec["is_collapse"]) and bool(dec["is_surge_then_collapse"])
    assert dec["value_z"] == pytest.approx(-10.97, abs=0.01)
    # weighted by China's share of Korea's graphite imports in the BACI year known then
    assert dec["weight_basis_text"] == "annual share 2022"
    assert dec["weight_share"] == pytest.approx(0.9074, abs=1e-4)
    assert dec["signal_share"] == pytest.approx(dec["weight_share"])
    assert (
        (dec["signal_text"])
        == "CHN->KOR 2023-12: surge then collapse (CHN's reported exports (mirror))"
    )


def test_the_factor_moves_from_the_day_the_month_is_published(
    con: duckdb.DuckDBPyConnection,
) -> None:
    before = _factors(con, "KOR", date(2024, 2, 29))
    after = _factors(con, "KOR", date(2024, 3, 1))
    assert before["monthly_period_start_date"] == pd.Timestamp("2023-11-01")
    assert after["monthly_period_start_date"] == pd.Timestamp("2023-12-01")
    assert before["monthly_signal_share"] == pytest.approx(0.4124, abs=1e-4)
    assert after["monthly_signal_share"] == pytest.approx(0.9074, abs=1e-4)
    assert after["import_dynamics_factor"] == pytest.approx(after["monthly_signal_share"])
    assert before["import_dynamics_factor"] < after["import_dynamics_factor"]
    assert "surge then collapse" in after["monthly_signal_text"]
    # nothing of it on a date before any of these months was published
    early = _factors(con, "KOR", date(2017, 3, 1))
    assert pd.isna(early["monthly_available_date"])


def test_japan_and_the_bloc_get_their_own_series(con: duckdb.DuckDBPyConnection) -> None:
    jpn = _signal(con, "JPN", date(2024, 3, 1))
    bloc = _signal(con, "BLOC", date(2024, 3, 1))
    assert jpn["period_start_date"] == bloc["period_start_date"] == pd.Timestamp("2023-12-01")
    kor = _signal(con, "KOR", date(2024, 3, 1))
    assert bloc["flow_value_k"] == pytest.approx(jpn["flow_value_k"] + kor["flow_value_k"])
    n = con.execute(f"SELECT count(*) FROM {S} WHERE importer_id = 'KOR'").fetchone()
    assert n is not None and n[0] == 96  # one vintage a month, 2017-01 .. 2024-12
