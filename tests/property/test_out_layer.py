"""Invariants of the out layer built from the whole bundle, and of the point-in-time rule's
renderings: concentration in range, shares summing to one, levels monotone in the score and
consistent with their history, and what is known on a date never shrinking as the date grows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplywatch.alerts.model import load_ladder
from supplywatch.alerts.scoring import level_of
from supplywatch.catalog.tables import TABLES
from supplywatch.store.duckdb_store import connect
from supplywatch.store.pit import as_of_sql, latest_frame, latest_on_grid, latest_records

LADDER = load_ladder()
F = "out_supplywatch__monthly_factors"
L = "out_supplywatch__monthly_levels"
DAYS = st.dates(min_value=date(1999, 1, 1), max_value=date(2029, 12, 31))
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def con(store_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect(store_path, read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def levels(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    df = con.execute(
        f"SELECT * FROM {L} WHERE item_kind_code = 'material' ORDER BY item_id, importer_id, "
        "available_date"
    ).df()
    df["available_date"] = pd.to_datetime(df["available_date"])
    return df


def test_supplier_hhi_is_between_one_over_n_and_one(con: duckdb.DuckDBPyConnection) -> None:
    d = con.execute(
        "SELECT supplier_hhi, supplier_count FROM out_supplywatch__yearly_dependence "
        "WHERE import_value_kusd > 0"
    ).df()
    assert len(d) > 10_000
    assert (d["supplier_hhi"] >= 1.0 / d["supplier_count"] - 1e-12).all()
    assert (d["supplier_hhi"] <= 1.0 + 1e-12).all()


def test_supplier_shares_sum_to_one(con: duckdb.DuckDBPyConnection) -> None:
    d = con.execute(
        "SELECT sum(supplier_share) AS s FROM out_supplywatch__supplier_shares "
        "GROUP BY item_kind_code, item_id, importer_id, ref_year"
    ).df()
    assert len(d) > 10_000
    assert (d["s"] - 1.0).abs().max() < 1e-9


def test_production_hhi_and_shares_in_range(con: duckdb.DuckDBPyConnection) -> None:
    d = con.execute("SELECT * FROM out_supplywatch__yearly_production").df()
    assert (
        (d["production_hhi"] >= 1 / d["producer_count"] - 1e-12) & (d["production_hhi"] <= 1)
    ).all()
    assert (d["top_producer_share"] ** 2 <= d["production_hhi"] + 1e-12).all()


@given(
    a=st.floats(0, 100, allow_nan=False),
    b=st.floats(0, 100, allow_nan=False),
    previous=st.integers(0, 4),
)
def test_level_is_monotone_in_the_score(a: float, b: float, previous: int) -> None:
    lo, hi = sorted((a, b))
    assert level_of(lo, previous, LADDER) <= level_of(hi, previous, LADDER)


def test_levels_replay_their_own_history(
    levels: pd.DataFrame, con: duckdb.DuckDBPyConnection
) -> None:
    """Each row's levels are the ladder applied to its history (0 and a fresh start when not
    scored), and the change flag and since-date agree. Baseline: the score's own level with
    hysteresis points, raised to the measure floor. Model: the probability band with the exit
    ratio; a change without an event waits until the new band has held the persistence days;
    an event (the active measures change, a fresh monthly signal of at least the event share)
    applies it at once; raised to the measure floor and to the detection floor (a fresh monthly
    signal of at least the event share, or a fresh price z at or above the ladder's). Replayed
    here independently of scoring.levels."""
    prev = levels.groupby(["item_id", "importer_id"])["alert_level"].shift(1).fillna(0)
    assert (levels["previous_alert_level"] == prev.astype(int)).all()
    ev = con.execute(
        f"SELECT item_id, importer_id, available_date, active_measures_text, "
        f"monthly_signal_share, monthly_available_date, price_change_z, price_available_date, "
        f"item_state_code FROM {F} "
        "WHERE item_kind_code = 'material' ORDER BY item_id, importer_id, available_date"
    ).df()
    assert len(ev) == len(levels)
    m = LADDER.model
    bands = LADDER.band_values()
    want_base, want, key = [], [], None
    own = cur = 0
    pending: tuple[int, pd.Timestamp] | None = None
    last_meas: str = ""
    last_vint: object = None
    want_det = []
    for k, s, p, floor, day, meas, sig, vint, z, pday, state in zip(
        levels["item_id"] + "|" + levels["importer_id"],
        levels["score_points"],
        levels["risk_probability_share"],
        levels["measure_floor_level"],
        levels["available_date"],
        ev["active_measures_text"].fillna(""),
        ev["monthly_signal_share"],
        ev["monthly_available_date"],
        ev["price_change_z"],
        ev["price_available_date"],
        ev["item_state_code"],
        strict=True,
    ):
        if k != key:
            key, own, cur, pending, last_meas, last_vint = k, 0, 0, None, "", None
        own = 0 if pd.isna(s) else level_of(float(s), own, LADDER)
        want_base.append(max(own, int(floor)))
        fresh = not pd.isna(vint) and (day - pd.Timestamp(vint)).days <= (
            LADDER.max_monthly_trade_age_days
        )
        new_vint = not pd.isna(vint) and vint != last_vint
        event = meas != last_meas or (
            new_vint and fresh and not pd.isna(sig) and sig >= m.event_signal_share
        )
        last_meas, last_vint = meas, (None if pd.isna(vint) else vint)
        if pd.isna(p):
            cur, pending = 0, None
        else:
            entered = sum(1 for b in bands if p >= b)
            keep = cur and p >= m.exit_ratio * bands[cur - 1]
            cand = entered if entered >= cur or not keep else cur
            if cand == cur:
                pending = None
            elif event:
                cur, pending = cand, None
            else:
                if pending is None or (pending[0] > cur) != (cand > cur):
                    pending = (cand, day)
                wait = m.persist_up_days if cand > cur else m.persist_down_days
                if (day - pending[1]).days >= wait:
                    cur, pending = cand, None
        price_fresh = not pd.isna(pday) and (day - pd.Timestamp(pday)).days <= (
            LADDER.max_price_age_days
        )
        seen = (fresh and not pd.isna(sig) and sig >= m.event_signal_share) or (
            price_fresh and not pd.isna(z) and z >= m.detection.price_z
        )
        det = m.detection.level if seen and state in ("scored", "partial") else 0
        want_det.append(det)
        want.append(max(cur, int(floor), det))
    assert (levels["baseline_alert_level"].to_numpy() == want_base).all()
    assert (levels["detection_floor_level"].to_numpy() == want_det).all()
    assert (levels["alert_level"].to_numpy() == want).all()
    assert (levels["alert_level"] >= levels["measure_floor_level"]).all()
    assert levels["measure_floor_level"].isin([0, LADDER.measure_floor.level]).all()
    assert (
        levels["is_level_change"] == (levels["alert_level"] != levels["previous_alert_level"])
    ).all()
    assert (
        levels.loc[~levels["item_state_code"].isin(["scored", "partial"]), "alert_level"] == 0
    ).all()
    changed = levels[levels["is_level_change"]]
    assert (pd.to_datetime(changed["level_since_date"]) == changed["available_date"]).all()


@SLOW
@given(d1=DAYS, gap=st.integers(0, 4000))
def test_what_is_known_never_shrinks(con: duckdb.DuckDBPyConnection, d1: date, gap: int) -> None:
    d2 = d1 + timedelta(days=gap)
    for name in (F, "out_supplywatch__yearly_dependence", "out_supplywatch__supplier_shares"):
        key = ", ".join(TABLES[name].primary_key)
        a = set(con.execute(f"SELECT {key} FROM {name} WHERE available_date <= ?", [d1]).fetchall())
        b = set(con.execute(f"SELECT {key} FROM {name} WHERE available_date <= ?", [d2]).fetchall())
        assert a <= b
    # and the entities with a row in force on D1 still have one on D2
    sql = as_of_sql(TABLES[F], d1), as_of_sql(TABLES[F], d2)
    e1 = set(con.execute(f"SELECT item_kind_code, item_id, importer_id FROM ({sql[0]})").fetchall())
    e2 = set(con.execute(f"SELECT item_kind_code, item_id, importer_id FROM ({sql[1]})").fetchall())
    assert e1 <= e2


@SLOW
@given(d=DAYS)
def test_the_rule_renders_the_same_in_sql_pandas_and_records(
    con: duckdb.DuckDBPyConnection, levels: pd.DataFrame, d: date
) -> None:
    """store/pit.py's renderings agree on the same table and date."""
    sql = as_of_sql(TABLES[L], d)
    got_sql = {
        (r[0], r[1]): (str(r[2]), r[3])
        for r in con.execute(
            f"SELECT item_id, importer_id, available_date, alert_level FROM ({sql}) "
            "WHERE item_kind_code = 'material'"
        ).fetchall()
    }
    frame = latest_frame(levels, ["item_id", "importer_id"], "available_date", pd.Timestamp(d))
    got_frame = {
        (r.item_id, r.importer_id): (str(r.available_date.date()), int(r.alert_level))
        for r in frame.itertuples()
    }
    grid = levels[["item_id", "importer_id"]].drop_duplicates().assign(as_of_date=pd.Timestamp(d))
    on_grid = latest_on_grid(
        levels, ["item_id", "importer_id"], "available_date", grid, "as_of_date"
    )
    got_grid = {
        (r.item_id, r.importer_id): str(r.available_date.date())
        for r in on_grid.dropna(subset=["available_date"]).itertuples()
    }
    records = latest_records(
        (
            (
                (r.item_id, r.importer_id),
                r.available_date.date(),
                r.available_date.date(),
                int(r.alert_level),
            )
            for r in levels.itertuples()
        ),
        d,
    )
    assert got_sql == got_frame
    assert got_grid == {k: v[0] for k, v in got_sql.items()}
    assert records == {k: v[1] for k, v in got_sql.items()}
