"""Factors, score, state and level of every item and importer on many dates at once.

Input: the indicator frames of one kind of item (indicators/frames.py). Output: the rows of
out_supplywatch__monthly_factors and out_supplywatch__monthly_levels. Each row holds what was
known on its date (store/pit.py's rule, on a grid of dates): the newest trade year, production
year and price month available by then, the WGI release published by then. The dates are the
first day of every month since the ladder's ``history_start`` and every date on which an input
became available or passed its age limit, so a row holds until the next one: reading the
latest row on or before any date D gives exactly what D knew.

Factors are 0..1 (1 = riskiest); a missing one takes the ladder's neutral value, is flagged,
and lowers the confidence. States: **scored** (fresh trade data), **partial** (no fresh trade,
but fresh production or price data: scored on what exists), **stale** (data exists, all of it
older than the ladder's limits: never scored, level 0), **no_data**.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from supplywatch.alerts import measures, riskmodel
from supplywatch.alerts.model import Ladder
from supplywatch.catalog.importers import members_of
from supplywatch.catalog.out import FACTORS, factor_column
from supplywatch.indicators import monthly
from supplywatch.indicators.frames import Frames
from supplywatch.store.pit import latest_on_grid

KEY = ["item_id", "importer_id"]
TRADE_FACTORS = ("supplier_concentration", "sourcing_governance", "import_dynamics", "screens")


def grid_dates(frames: Frames, ladder: Ladder) -> list[date]:
    """Month starts since ``history_start``, and every date an input became available or
    crossed its age limit, up to the last of them."""
    start = pd.Timestamp(ladder.history_start)
    changes: list[pd.Series] = [
        frames.dep["available_date"],
        frames.dep["available_date"] + pd.Timedelta(days=ladder.max_trade_age_days + 1),
        frames.prod["available_date"],
        frames.prod["available_date"] + pd.Timedelta(days=ladder.max_production_age_days + 1),
        frames.releases["vintage_date"],
    ]
    series = set(ladder.price_series.values())
    pr = frames.prices[frames.prices["commodity_name_wb"].isin(series)]
    changes += [
        pr["available_date"],
        pr["available_date"] + pd.Timedelta(ladder.max_price_age_days + 1, "D"),
    ]
    changes += measures.change_dates(frames.measure_clauses, frames.measure_events)
    allc = pd.concat([c.dropna() for c in changes], ignore_index=True)
    end = max(allc.max() if not allc.empty else start, start)
    months = pd.date_range(start, end, freq="MS")
    out = set(months) | set(allc[allc >= start])
    return sorted(pd.Timestamp(d).date() for d in out)


def build(frames: Frames, ladder: Ladder, dates: list[date] | None = None) -> pd.DataFrame:
    """One row per item x importer x date: the factors known then, state, score, confidence,
    main driver, evidence, and the level (hysteresis over the dates in order)."""
    days = pd.DatetimeIndex(
        sorted(set(dates if dates is not None else grid_dates(frames, ladder)))
    ).astype("datetime64[ns]")
    items = frames.items["item_id"].drop_duplicates()
    importers = list(dict.fromkeys(frames.importers))
    if items.empty or not importers:  # e.g. the catalog is not loaded yet
        return pd.DataFrame()
    keys = pd.MultiIndex.from_product([items, importers], names=KEY).to_frame(index=False)
    grid = keys.merge(pd.DataFrame({"available_date": days}), how="cross")
    out = _trade(grid, frames, ladder)
    out = _governance(out, frames)
    out = _production(out, frames, ladder)
    out = _prices(out, frames, ladder)
    out = _monthly(out, frames, ladder)
    out = _static(out, frames)
    out = measures.apply(
        out, frames, ladder.measure_floor.min_exposure_share, ladder.measure_floor.level
    )
    out = measures.momentum(
        out, frames, ladder.model.momentum_window_days, ladder.model.momentum_saturation
    )
    out = _factors(out, ladder)
    out = _state(out)
    out = score(out, ladder)
    out = model_probability(out, ladder)
    out = _reasons(out, frames, ladder)
    out = levels(out, ladder)
    out["ladder_version_code"] = ladder.version
    return out


def _age_ok(when: pd.Series, avail: pd.Series, limit: int) -> pd.Series:
    return avail.notna() & ((when - avail).dt.days <= limit)


def _trade(grid: pd.DataFrame, frames: Frames, ladder: Ladder) -> pd.DataFrame:
    g = latest_on_grid(frames.dep, KEY, "ref_year", grid)
    g = g.merge(frames.dep, on=[*KEY, "ref_year"], how="left", validate="m:1", suffixes=("", "_t"))
    g = g.rename(columns={"ref_year": "trade_year", "available_date_t": "trade_available_date"})
    g["has_fresh_trade"] = _age_ok(
        g["available_date"], g["trade_available_date"], ladder.max_trade_age_days
    )
    return g


def _governance(g: pd.DataFrame, frames: Frames) -> pd.DataFrame:
    """The WGI release published by each date (the earliest held before any was)."""
    rel = frames.releases.sort_values("vintage_date")
    dates = g[["available_date"]].drop_duplicates().sort_values("available_date")
    pick = pd.merge_asof(
        dates, rel, left_on="available_date", right_on="vintage_date", direction="backward"
    )
    pick["wgi_release_code"] = pick["wgi_release_code"].fillna(rel["wgi_release_code"].iloc[0])
    g = g.merge(pick[["available_date", "wgi_release_code"]], on="available_date", how="left")
    gov = frames.gov.rename(columns={"ref_year": "trade_year"})
    cols = ["wgi_release_code", *KEY, "trade_year", "sourcing_governance_hhi", "pv_imputed_share"]
    return g.merge(
        gov[cols], on=["wgi_release_code", *KEY, "trade_year"], how="left", validate="m:1"
    )


def _production(g: pd.DataFrame, frames: Frames, ladder: Ladder) -> pd.DataFrame:
    grid = g[["item_id", "available_date"]].drop_duplicates()
    p = latest_on_grid(frames.prod, ["item_id"], "ref_year", grid)
    p = p.merge(
        frames.prod, on=["item_id", "ref_year"], how="left", validate="m:1", suffixes=("", "_p")
    )
    p = p.rename(
        columns={"ref_year": "production_year", "available_date_p": "production_available_date"}
    )
    p = p.drop(columns=["commodity_name_wmd"], errors="ignore")
    p["has_fresh_production"] = _age_ok(
        p["available_date"], p["production_available_date"], ladder.max_production_age_days
    )
    return g.merge(p, on=["item_id", "available_date"], how="left", validate="m:1")


def _prices(g: pd.DataFrame, frames: Frames, ladder: Ladder) -> pd.DataFrame:
    """The price factor's evidence: the largest z-score of the last three known months."""
    series = pd.DataFrame(
        {
            "item_id": list(ladder.price_series),
            "commodity_name_wb": list(ladder.price_series.values()),
        }
    )
    pr = frames.prices[frames.prices["commodity_name_wb"].isin(series["commodity_name_wb"])]
    pr = pr.sort_values(["commodity_name_wb", "period_start_date"])
    pr = pr.assign(
        price_change_z=pr.groupby("commodity_name_wb")["price_change_z"]
        .rolling(3, min_periods=1)
        .max()
        .reset_index(level=0, drop=True)
    )
    dates = g[["available_date"]].drop_duplicates()
    grid = series[["commodity_name_wb"]].drop_duplicates().merge(dates, how="cross")
    p = latest_on_grid(pr, ["commodity_name_wb"], "period_start_date", grid)
    p = p.merge(
        pr[["commodity_name_wb", "period_start_date", "price_change_z", "available_date"]],
        on=["commodity_name_wb", "period_start_date"],
        how="left",
        validate="m:1",
        suffixes=("", "_p"),
    ).rename(
        columns={
            "period_start_date": "price_period_start_date",
            "available_date_p": "price_available_date",
        }
    )
    p["has_fresh_price"] = _age_ok(
        p["available_date"], p["price_available_date"], ladder.max_price_age_days
    )
    p = series.merge(p, on="commodity_name_wb", how="inner")
    out = g.merge(p, on=["item_id", "available_date"], how="left", validate="m:1")
    out["has_fresh_price"] = out["has_fresh_price"].astype("boolean").fillna(False).astype(bool)
    return out


def _monthly(g: pd.DataFrame, frames: Frames, ladder: Ladder) -> pd.DataFrame:
    """The monthly trade signal in force on each date (indicators/monthly.py, replayed per
    vintage): the newest vintage available by then, if no older than the ladder's limit."""
    sig = monthly.item_signal(frames.monthly)
    cols = ["monthly_period_start_date", "monthly_signal_share", "monthly_signal_text"]
    if sig.empty:
        g = g.assign(monthly_available_date=pd.NaT, **dict.fromkeys(cols))
        g["monthly_period_start_date"] = pd.to_datetime(g["monthly_period_start_date"])
        g["has_fresh_monthly"] = False
        return g
    sig = sig.assign(
        available_date=pd.to_datetime(sig["available_date"]).astype("datetime64[ns]"),
        _v=pd.to_datetime(sig["available_date"]).astype("datetime64[ns]"),
    )
    grid = g[KEY + ["available_date"]].drop_duplicates()
    p = latest_on_grid(sig, KEY, "_v", grid)
    p = p.merge(sig[[*KEY, "_v", *cols]], on=[*KEY, "_v"], how="left", validate="m:1").rename(
        columns={"_v": "monthly_available_date"}
    )
    out = g.merge(p, on=[*KEY, "available_date"], how="left", validate="m:1")
    out["has_fresh_monthly"] = _age_ok(
        out["available_date"], out["monthly_available_date"], ladder.max_monthly_trade_age_days
    )
    return out


def _static(g: pd.DataFrame, frames: Frames) -> pd.DataFrame:
    items = frames.items[["item_id", "eol_rir_share", "commodity_name_wmd"]]
    g = g.merge(items, on="item_id", how="left", validate="m:1")
    cov = frames.coverage
    if cov.empty:
        g["is_shared_code"] = False
        g["shared_with_text"] = None
        return g
    with_data = cov[cov["first_year"].notna()]
    shared = (
        with_data[with_data["is_shared_code"]]
        .groupby("item_id")["shared_with_text"]
        .apply(lambda s: ";".join(sorted({m for t in s for m in str(t).split(";")})))
    )
    g["is_shared_code"] = g["item_id"].map(shared).notna()
    g["shared_with_text"] = g["item_id"].map(shared)
    return g


def _factors(out: pd.DataFrame, ladder: Ladder) -> pd.DataFrame:
    trade_ok = out["has_fresh_trade"].to_numpy(dtype=bool)
    f = pd.DataFrame(index=out.index)
    f["supplier_concentration"] = out["top_supplier_share"]
    f["sourcing_governance"] = out["sourcing_governance_hhi"]
    f["production_concentration"] = out["production_hhi"].where(
        out["has_fresh_production"].fillna(False).astype(bool)
    )
    f["recycling_gap"] = 1.0 - out["eol_rir_share"]
    drop = (1.0 - out["import_value_vs_mean3_ratio"]).clip(0, 1)
    surge = pd.Series(
        np.where(out["is_import_surge"].fillna(False).astype(bool), 0.5, 0.0), index=out.index
    )
    jump = (out["top_share_change"] * 5).clip(0, 1)
    dyn = pd.concat([drop, surge, jump], axis=1).max(axis=1, skipna=True)
    dyn[out["import_value_vs_mean3_ratio"].isna() & out["top_share_change"].isna()] = np.nan
    dyn[~trade_ok] = np.nan  # annual trade past its age limit says nothing about now
    fresh_m = out["has_fresh_monthly"].to_numpy(dtype=bool)
    mon = pd.to_numeric(out["monthly_signal_share"], errors="coerce").where(fresh_m)
    # monthly and annual trade dynamics: the stronger of the two known on the date
    f["import_dynamics"] = pd.concat([dyn, mon], axis=1).max(axis=1, skipna=True)
    price = (out["price_change_z"] / 4.0).clip(0, 1)
    f["price_shock"] = price.where(out["has_fresh_price"])
    f["supply_measures"] = out["supply_measures"]
    f["screens"] = np.select(
        [
            out["is_absolute_dependence"].fillna(False).astype(bool),
            out["is_kita_screen"].fillna(False).astype(bool),
        ],
        [1.0, 0.75],
        0.0,
    )
    immaterial = (out["import_value_kusd"] < ladder.min_import_kusd) & trade_ok
    f.loc[immaterial, ["supplier_concentration", "sourcing_governance", "screens"]] = 0.0
    for name in TRADE_FACTORS:  # trade past its age limit is never scored
        keep = fresh_m if name == "import_dynamics" else np.zeros(len(f), dtype=bool)
        f.loc[~trade_ok & ~keep, name] = np.nan
    out["is_immaterial_imports"] = immaterial.where(out["trade_year"].notna())
    for name in FACTORS:
        out[factor_column(name)] = f[name].astype(float)
    return out


def _state(out: pd.DataFrame) -> pd.DataFrame:
    trade = out["has_fresh_trade"].to_numpy(dtype=bool)
    prod = out["has_fresh_production"].fillna(False).to_numpy(dtype=bool)
    price = out["has_fresh_price"].to_numpy(dtype=bool) | out["has_fresh_monthly"].to_numpy(
        dtype=bool
    )
    anyd = (
        out["trade_year"].notna()
        | out["monthly_available_date"].notna()
        | out["production_year"].notna()
        | out["price_period_start_date"].notna()
    ).to_numpy()
    out["item_state_code"] = np.select(
        [trade, prod | price, anyd], ["scored", "partial", "stale"], "no_data"
    )
    return out


def score(out: pd.DataFrame, ladder: Ladder) -> pd.DataFrame:
    """Score (0-100), confidence (0-1), main driver and missing factors; stale and no_data
    rows are not scored (score NULL, confidence 0)."""
    w = pd.Series(ladder.weights)
    vals = out[[factor_column(n) for n in FACTORS]].set_axis(list(FACTORS), axis=1)
    have = vals.notna()
    contrib = vals.fillna(ladder.neutral).mul(w, axis=1)
    scored = out["item_state_code"].isin(["scored", "partial"]).to_numpy()
    out["score_points"] = np.where(scored, 100.0 * contrib.sum(axis=1) / w.sum(), np.nan)
    out["confidence_share"] = np.where(scored, have.mul(w, axis=1).sum(axis=1) / w.sum(), 0.0)
    driver = contrib.where(have, -1.0).idxmax(axis=1)
    out["main_driver_code"] = driver.where(scored & have.any(axis=1).to_numpy())
    missing = pd.Series("", index=out.index)
    for n in FACTORS:
        missing = missing + np.where(have[n].to_numpy(), "", n + ";")
    out["missing_factors_text"] = missing.str.rstrip(";").replace("", None)
    return out


def model_fit(ladder: Ladder, which: str = "production") -> riskmodel.Fit:
    """The ladder's ``production`` fit (what the levels use) or its ``split`` fit."""
    c = getattr(ladder.model, which)
    return riskmodel.Fit(c.intercept, dict(c.coefficients), c.lam)


def model_probability(out: pd.DataFrame, ladder: Ladder, which: str = "production") -> pd.DataFrame:
    """The risk model's probability (alerts/riskmodel.py) of scored and partial rows."""
    scored = out["item_state_code"].isin(["scored", "partial"]).to_numpy()
    p = riskmodel.probability(out, model_fit(ladder, which), ladder.neutral)
    out["risk_probability_share"] = np.where(scored, np.round(p, 6), np.nan)
    return out


def band_of(p: float, previous: int, ladder: Ladder) -> int:
    """Probability band (0 = none, 1..4) with hysteresis: a level is kept while the
    probability stays at or above ``exit_ratio`` x its band."""
    bands = ladder.band_values()
    entered = sum(1 for b in bands if p >= b)
    if entered >= previous:
        return entered
    if p >= ladder.model.exit_ratio * bands[previous - 1]:
        return previous
    return entered


def level_of(score_value: float, previous: int, ladder: Ladder) -> int:
    """Ladder step (0 = none, 1..4) with hysteresis: stay while above the exit threshold."""
    entered = 0
    for i, lv in enumerate(ladder.levels, start=1):
        if score_value >= lv.entry:
            entered = i
    if entered >= previous:
        return entered
    if score_value >= ladder.levels[previous - 1].exit:
        return previous
    return entered


def detection_floor(out: pd.DataFrame, ladder: Ladder) -> np.ndarray:
    """The level a disruption already visible in the newest monthly figures holds each row at
    (ladder ``model.detection``; 0: none): a fresh monthly trade signal of at least
    ``event_signal_share``, or a price rise with a z-score of at least ``price_z`` among the
    last three known months of a fresh series. Freshness from the stored dates (the same
    limits as the factors), so stored rows relevel the same way. Rows not scored get none."""
    m = ladder.model
    day = pd.to_datetime(out["available_date"])

    def fresh(col: str, limit: int) -> np.ndarray:
        ok: np.ndarray = _age_ok(day, pd.to_datetime(out[col]), limit).to_numpy(dtype=bool)
        return ok

    sig = pd.to_numeric(out["monthly_signal_share"], errors="coerce").to_numpy(dtype=float)
    z = pd.to_numeric(out["price_change_z"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        trade = fresh("monthly_available_date", ladder.max_monthly_trade_age_days) & (
            sig >= m.event_signal_share
        )
        price = fresh("price_available_date", ladder.max_price_age_days) & (
            z >= m.detection.price_z
        )
    scored = out["item_state_code"].isin(["scored", "partial"]).to_numpy()
    out_level: np.ndarray = np.where((trade | price) & scored, m.detection.level, 0)
    return out_level.astype(np.int16)


def levels(out: pd.DataFrame, ladder: Ladder) -> pd.DataFrame:
    """Levels over each item and importer's dates in order (a row that is not scored has
    level 0 and restarts the history).

    ``alert_level``: the risk model's probability band (hysteresis by ``exit_ratio``); a change
    without an event takes effect only once the new band has held ``persist_up_days`` (rises) or
    ``persist_down_days`` (falls); an event (the active measures change, or a fresh monthly
    trade signal of at least ``event_signal_share``) applies it at once; then raised to the
    floor an active supply measure sets and to the detection floor (``detection_floor``).
    ``baseline_alert_level``: the hand-weighted score on
    the score thresholds (hysteresis points), with the same floor: what the back-test compares
    with. Also the level before, the change flag and the date since when the level holds."""
    out = out.sort_values([*KEY, "available_date"], kind="stable").reset_index(drop=True)
    keys = (out["item_id"] + "|" + out["importer_id"]).to_numpy()
    scores = out["score_points"].to_numpy(dtype=float)
    probs = out["risk_probability_share"].to_numpy(dtype=float)
    floors = out["measure_floor_level"].to_numpy(dtype=np.int16)
    meas = out["active_measures_text"].fillna("").to_numpy()
    sig = (
        pd.to_numeric(out["monthly_signal_share"], errors="coerce")
        .where(out["has_fresh_monthly"].to_numpy(dtype=bool))
        .fillna(0.0)
        .to_numpy()
    )
    vint = out["monthly_available_date"].astype("datetime64[ns]").to_numpy()
    days = out["available_date"].to_numpy()
    m = ladder.model
    detect = detection_floor(out, ladder)
    up = np.timedelta64(m.persist_up_days, "D")
    down = np.timedelta64(m.persist_down_days, "D")
    n = len(out)
    level = np.zeros(n, dtype=np.int16)
    base = np.zeros(n, dtype=np.int16)
    prev_level = np.zeros(n, dtype=np.int16)
    since = np.empty(n, dtype=days.dtype)
    last_key = None
    bprev = cur = shown = 0
    start = days[0] if n else None
    pending: Any = None
    last_meas, last_vint = "", np.datetime64("NaT")
    for i in range(n):
        if keys[i] != last_key:
            last_key, bprev, cur, shown, start, pending = keys[i], 0, 0, 0, days[i], None
            last_meas, last_vint = "", np.datetime64("NaT")
        s, p = scores[i], probs[i]
        bprev = 0 if np.isnan(s) else level_of(float(s), bprev, ladder)
        base[i] = max(bprev, int(floors[i]))
        new_vint = not np.isnat(vint[i]) and (np.isnat(last_vint) or vint[i] != last_vint)
        event = meas[i] != last_meas or (new_vint and sig[i] >= m.event_signal_share)
        last_meas, last_vint = meas[i], vint[i]
        if np.isnan(p):
            cur, pending = 0, None
        else:
            cand = band_of(float(p), cur, ladder)
            if cand == cur:
                pending = None
            elif event:
                cur, pending = cand, None
            else:
                if pending is None or (pending[0] > cur) != (cand > cur):
                    pending = (cand, days[i])
                wait = up if cand > cur else down
                if days[i] - pending[1] >= wait:
                    cur, pending = cand, None
        lv = max(cur, int(floors[i]), int(detect[i]))
        if lv != shown:
            start = days[i]
        prev_level[i], level[i], since[i] = shown, lv, start
        shown = lv
    out["alert_level"] = level
    out["detection_floor_level"] = detect
    out["baseline_alert_level"] = base
    out["previous_alert_level"] = prev_level
    out["is_level_change"] = level != prev_level
    out["level_since_date"] = since
    return out


_REASON_COLS = [
    "item_id",
    "importer_id",
    "item_state_code",
    "trade_year",
    "trade_available_date",
    "production_year",
    "production_available_date",
    "price_period_start_date",
    "price_available_date",
    "has_fresh_production",
    "has_fresh_price",
    "has_fresh_monthly",
    "monthly_period_start_date",
]


def _reasons(out: pd.DataFrame, frames: Frames, ladder: Ladder) -> pd.DataFrame:
    """Why each row is in its state, and (no trade) the command that would fetch it.
    Computed once per distinct situation, then joined back."""
    combos = out[_REASON_COLS].drop_duplicates()
    texts = [_reason(r, frames, ladder) for r in combos.to_dict("records")]
    combos = combos.assign(
        state_reason_text=[t[0] for t in texts], fill_command_text=[t[1] for t in texts]
    )
    return out.merge(combos, on=_REASON_COLS, how="left", validate="m:1")


def _month(v: object) -> str:
    return str(pd.Timestamp(v).date())[:7]


def _reason(r: dict[str, Any], frames: Frames, ladder: Ladder) -> tuple[str | None, str | None]:
    state = r["item_state_code"]
    if state == "scored":
        return None, None
    codes = frames.hs2022.get(str(r["item_id"]), [])
    imp = str(r["importer_id"])
    fill = None
    if pd.isna(r["trade_year"]):
        trade = f"no trade data for {imp} in the store (HS {', '.join(codes) or 'none'})"
        if codes:
            reporters = " ".join(f"--reporter {m}" for m in members_of(imp))
            hs = " ".join(f"--hs {c}" for c in codes)
            fill = f"supplywatch fetch comtrade {reporters} {hs} --years 2015-2025"
    else:
        avail = pd.Timestamp(r["trade_available_date"]).date()
        trade = (
            f"newest trade data {int(r['trade_year'])} (available {avail}) is past the "
            f"{ladder.max_trade_age_days}-day limit"
        )
    if state == "partial":
        have = []
        if r["has_fresh_production"]:
            have.append(f"production concentration {int(r['production_year'])}")
        if r["has_fresh_price"]:
            have.append(f"price {_month(r['price_period_start_date'])}")
        if r["has_fresh_monthly"]:
            have.append(f"monthly trade {_month(r['monthly_period_start_date'])}")
        return f"{trade}; scored on {', '.join(have)}", fill
    if state == "stale":
        old = []
        if not pd.isna(r["production_year"]):
            old.append(f"production {int(r['production_year'])}")
        if not pd.isna(r["price_period_start_date"]):
            old.append(f"price {_month(r['price_period_start_date'])}")
        rest = f"; {', '.join(old)} also past the limits" if old else ""
        return f"{trade}{rest}; not scored", fill
    return f"{trade}; no production or price series for it", fill
