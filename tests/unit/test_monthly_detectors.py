"""The monthly detectors (indicators/monthly.py): on real Pink Sheet series (bundled), on the
official Comtrade monthly format, and on SYNTHETIC series (labelled as such: generated here,
for the detectors' unit tests only, never stored or shown as data)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import TEST_DATA

from supplywatch.indicators import monthly

ROOT = Path(__file__).resolve().parents[2]
PINK = ROOT / "data" / "bundle" / "pinksheet" / "pinksheet_monthly_prices_long.csv"


def _pink_z(name: str) -> pd.Series:
    df = pd.read_csv(PINK)
    s = df[df["commodity"] == name].copy()
    s["date"] = pd.to_datetime(s["date"])
    s = s.set_index("date")["price"].sort_index()
    z, _ = monthly.robust_z(np.log(s.to_numpy()))
    return pd.Series(z, index=s.index)


def test_urea_price_surge_of_2021_on_the_real_pink_sheet() -> None:
    """China's urea export inspections (GACC 2021 No. 81, 2021-10-11): the Pink Sheet urea
    price against its own seasonal baseline."""
    z = _pink_z("Urea")
    assert (z["2020-06":"2020-12"].abs() < monthly.Z_SURGE).all()  # calm before
    assert z["2021-10-01"] == pytest.approx(9.0, abs=0.05)
    assert z["2021-11-01"] == pytest.approx(11.3, abs=0.05)
    assert (z["2021-10":"2021-12"] >= monthly.Z_SURGE).all()


def test_nickel_squeeze_of_march_2022_on_the_real_pink_sheet() -> None:
    z = _pink_z("Nickel")
    assert z["2022-03-01"] == pytest.approx(7.5, abs=0.05)
    assert z["2022-03-01"] == z["2021-10":"2022-06"].max()


def test_robust_z_needs_a_baseline() -> None:
    z, used = monthly.robust_z(np.log(np.arange(1.0, 12.0)))
    assert np.isnan(z).all() and used[-1] == 10  # 11 months: fewer than 12 before any


def _synthetic(months: int = 60, seed: int = 0) -> np.ndarray:
    """SYNTHETIC: a seasonal series with noise (detector unit tests only)."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    return 1000 * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) * np.exp(rng.normal(0, 0.05, months))


def test_seasonal_baseline_does_not_flag_the_season() -> None:
    y = np.log1p(_synthetic())  # SYNTHETIC
    z, _ = monthly.robust_z(y)
    assert np.nanmax(np.abs(z[36:])) < monthly.Z_SURGE  # the yearly peak is no surge
    flat, _ = monthly.robust_z(np.log1p(_synthetic()), last=3)
    assert np.isnan(flat[:-3]).all() and not np.isnan(flat[-3:]).any()


def test_surge_then_collapse_is_found_and_only_after_a_surge() -> None:
    v = _synthetic()  # SYNTHETIC
    v[50] *= 3.0  # buyers front-run a control
    v[51] = 0.0  # then flows stop
    z, _ = monthly.robust_z(np.log1p(v))
    assert z[50] >= monthly.Z_SURGE and z[51] <= monthly.Z_COLLAPSE
    pat = monthly.surge_then_collapse(z)
    assert pat[51] and not pat[50] and not pat[:50].any()
    w = _synthetic()
    w[51] = 0.0  # a collapse alone
    assert not monthly.surge_then_collapse(monthly.robust_z(np.log1p(w))[0]).any()


def test_regular_series_reads_omitted_rows_as_zero_only_in_covered_months() -> None:
    first, y = monthly.regular(np.array([10, 12]), np.array([5.0, 7.0]), {10, 11, 12, 14})
    assert first == 10
    assert y.tolist()[:3] == [5.0, 0.0, 7.0] and np.isnan(y[3]) and y[4] == 0.0


def _flows(values: np.ndarray, start: str = "2019-01-01", side: str = "mirror") -> pd.DataFrame:
    """SYNTHETIC flows of one supplier to KOR (detector unit tests only)."""
    periods = pd.date_range(start, periods=len(values), freq="MS")
    rep = "CHN" if side == "mirror" else "KOR"
    return pd.DataFrame(
        {
            "item_id": "natural_graphite",
            "importer_id_iso3": "KOR",
            "supplier_id_iso3": "CHN",
            "period_start_date": periods,
            "flow_side_code": side,
            "source_name": "comtrade",
            "reporter_id_iso3": rep,
            "value_currency_code": "USD",
            "value_k": values,
            "qty_t": values / 500.0,
            "available_date": periods + pd.DateOffset(months=3),
        }
    )


def test_signals_on_a_mirror_series_point_in_time() -> None:
    v = _synthetic(59)  # SYNTHETIC: 2019-01 .. 2023-11
    v[58] *= 3.0  # 2023-11 surge
    v = np.r_[v, 0.0, 0.0]  # 2023-12 and 2024-01 without a row: a stop, if the reporter...
    f = _flows(v)
    f = f[f["value_k"] > 0]  # ... reported no row for those months (the source omits zeros)
    jp = _flows(np.full(61, 50.0)).assign(importer_id_iso3="JPN")  # CHN reports to JPN
    sig = monthly.signals(pd.concat([f, jp]), ["KOR"])
    kor = sig.set_index("available_date")
    nov = kor.loc[pd.Timestamp("2024-02-01")]  # 2023-11 known from 2024-02-01
    assert nov["period_start_date"] == pd.Timestamp("2023-11-01")
    assert bool(nov["is_surge"]) and not bool(nov["is_surge_then_collapse"])
    assert nov["flow_side_code"] == "mirror" and nov["weight_basis_text"].startswith("no share")
    dec = kor.loc[pd.Timestamp("2024-03-01")]
    assert dec["flow_value_k"] == 0.0 and bool(dec["is_collapse"])
    assert bool(dec["is_surge_then_collapse"]) and dec["signal_share"] == 0.5
    assert "CHN's reported exports (mirror)" in dec["signal_text"]
    assert pd.Timestamp("2024-01-01") in kor.index  # the vintage of 2023-10, before the surge
    assert not bool(kor.loc[pd.Timestamp("2024-01-01")]["is_surge"])


def test_annual_share_weighs_the_supplier() -> None:
    v = _synthetic(59)  # SYNTHETIC
    v[58] *= 3.0
    v = np.r_[v, 1.0]
    annual = pd.DataFrame(
        {
            "item_id": ["natural_graphite"],
            "importer_id": ["KOR"],
            "ref_year": [2021],
            "exporter_id_iso3": ["CHN"],
            "supplier_share": [0.9],
            "available_date": [pd.Timestamp("2023-01-31")],
        }
    )
    sig = monthly.signals(_flows(v), ["KOR"], annual)
    last = sig.sort_values("available_date").iloc[-1]
    assert last["weight_share"] == 0.9 and last["weight_basis_text"] == "annual share 2021"
    assert last["signal_share"] == pytest.approx(0.9)


def test_importer_side_wins_over_the_mirror_and_shares_shift() -> None:
    months = 40
    mine = _flows(np.full(months, 100.0), side="importer")  # SYNTHETIC
    other = mine.assign(
        supplier_id_iso3="AUS", value_k=np.r_[np.full(months - 3, 10.0), [90.0] * 3]
    )
    mirror = _flows(np.full(months, 400.0))  # China's own figure, different
    sig = monthly.signals(pd.concat([mine, other, mirror]), ["KOR"])
    last = sig[sig["available_date"] == sig["available_date"].max()].set_index("supplier_id_iso3")
    assert last.loc["CHN", "flow_side_code"] == "importer"
    assert last.loc["CHN", "flow_value_k"] == 100.0
    assert last.loc["CHN", "prior_share"] == pytest.approx(100 / 110)
    assert last.loc["CHN", "recent_share"] == pytest.approx(100 / 190)
    assert last.loc["CHN", "supplier_share_change"] == pytest.approx(100 / 190 - 100 / 110)
    assert "share" in last.loc["CHN", "signal_text"]


def test_bloc_sums_members_and_leaves_intra_bloc_flows_out() -> None:
    kor = _flows(np.full(30, 100.0), side="importer")  # SYNTHETIC
    jpn = kor.assign(importer_id_iso3="JPN", reporter_id_iso3="JPN", value_k=50.0)
    intra = kor.assign(supplier_id_iso3="JPN", value_k=999.0)
    sig = monthly.signals(pd.concat([kor, jpn, intra]), ["BLOC"])
    assert set(sig["supplier_id_iso3"]) == {"CHN"}
    assert (sig["flow_value_k"] == 150.0).all()


@settings(max_examples=10, deadline=None)
@given(
    cut=st.integers(min_value=14, max_value=33),
    factor=st.floats(min_value=0.0, max_value=50.0, allow_nan=False),
)
def test_a_future_row_changes_nothing_known_before(cut: int, factor: float) -> None:
    """Point in time: change any row available after D; every signal known on D stays."""
    v = _synthetic(36, seed=3)  # SYNTHETIC
    f = _flows(v)
    d = f["available_date"].iloc[cut]
    before = monthly.signals(f, ["KOR"])
    g = f.copy()
    future = g["available_date"] > d
    g.loc[future, "value_k"] = g.loc[future, "value_k"] * factor
    g.loc[future, "qty_t"] = g.loc[future, "qty_t"] * factor
    after = monthly.signals(g, ["KOR"])
    known = before[before["available_date"] <= d].reset_index(drop=True)
    got = after[after["available_date"] <= d].reset_index(drop=True)
    pd.testing.assert_frame_equal(known, got, check_dtype=False)


def test_official_monthly_format_flows_through_the_detectors(tmp_path: Path) -> None:
    """The official Comtrade monthly format (tests/data/comtrade, format reference: values
    illustrative) parsed by the connector and fed to the detectors: two months give no
    baseline, so no z-score and no signal, but the shape holds."""
    from tests.contract.conftest import recorded_snapshot

    from supplywatch.sources import comtrade

    name = "monthly_format_reference_KOR_250410_2023.json"
    snap = recorded_snapshot(
        tmp_path,
        "comtrade",
        comtrade.BASE_URL,
        {name: (TEST_DATA / "comtrade" / name).read_bytes()},
        attribution="UN Comtrade",
    )
    rows = comtrade.parse(snap).to_pandas()
    m = rows[(rows["freq_code"] == "M") & (rows["partner_id_iso3"] != "WLD")]
    m = m[m["flow_code"] == "M"]
    flows = pd.DataFrame(
        {
            "item_id": "natural_graphite",
            "importer_id_iso3": m["reporter_id_iso3"],
            "supplier_id_iso3": m["partner_id_iso3"],
            "period_start_date": pd.to_datetime(m["period_start_date"]),
            "flow_side_code": "importer",
            "source_name": "comtrade",
            "reporter_id_iso3": m["reporter_id_iso3"],
            "value_currency_code": "USD",
            "value_k": m["value_usd"] / 1000.0,
            "qty_t": m["net_weight_kg"] / 1000.0,
            "available_date": pd.to_datetime(m["period_start_date"]) + pd.DateOffset(months=3),
        }
    )
    flows = flows.groupby(
        [c for c in flows.columns if c not in ("value_k", "qty_t")], as_index=False
    ).sum()
    sig = monthly.signals(flows, ["KOR"])
    assert len(sig) > 0
    assert set(sig["period_start_date"].dt.date) <= {date(2023, 1, 1), date(2023, 2, 1)}
    assert sig["value_z"].isna().all() and (sig["signal_share"] == 0).all()
    assert (sig["baseline_month_count"] <= 1).all()


def test_the_mirror_stands_in_while_the_importers_figures_lag() -> None:
    own = _flows(np.full(30, 100.0), side="importer")  # SYNTHETIC: KOR's imports to 2021-06
    mirror = _flows(np.full(32, 100.0))  # China's exports, two months further
    sig = monthly.signals(pd.concat([own, mirror]), ["KOR"])
    last = sig.sort_values("available_date").iloc[-1]
    assert last["flow_side_code"] == "mirror"
    assert last["period_start_date"] == pd.Timestamp("2021-08-01")
    when_equal = sig[sig["period_start_date"] == pd.Timestamp("2021-06-01")].iloc[-1]
    assert when_equal["flow_side_code"] == "importer"
