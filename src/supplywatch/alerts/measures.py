"""Supply measures in the score: which registry measures are active on each date, how exposed
each importer is to the government that took them, and the level floor they set.

A control measure (licence, ban, quota, ...) is active from the day it became known (its
publication, or the first report of a de-facto measure) — the lead between publication and
effect is the warning's lead — until it is lifted, repealed, replaced or expired; a suspension
makes it inactive from its first to its last day. A suspension whose end has passed with no
later decision known is "expired, status unverified": the measure counts again and is marked
for review (never assumed lifted). Each status change counts only from the day it was known.

Exposure of an importer: the imposing country's share of its imports of the item (the trade
year in force), or, without fresh trade, of world production. A measure on other targets, or
by the importer itself (or a bloc member, for the bloc), does not count for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from supplywatch.catalog.importers import members_of

KEY = ["item_id", "importer_id", "available_date"]
ENDING = {"lifted", "repealed", "expired", "replaced"}
_COLS = [
    "supply_measures",
    "measure_exposure_share",
    "measure_floor_level",
    "is_measure_review",
    "active_measures_text",
]


def change_dates(clauses: pd.DataFrame, events: pd.DataFrame) -> list[pd.Series]:
    """Dates on which a measure's activity can change (for the grid)."""
    if clauses.empty:
        return []
    out = [clauses["available_date"], clauses["effective_date"]]
    if not events.empty:
        out += [
            events["available_date"],
            events["from_date"],
            events["to_date"] + pd.Timedelta(days=1),
        ]
    return [pd.to_datetime(s).astype("datetime64[ns]") for s in out]


def measure_states(
    clauses: pd.DataFrame, events: pd.DataFrame, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """Per measure and date (from the day it became known): its state as known that day —
    measure_state_text, is_active, is_review."""
    if clauses.empty:
        return pd.DataFrame(
            columns=["measure_id", "available_date", "state", "is_active", "is_review"]
        )
    known = clauses.groupby("measure_id")["available_date"].min()
    effective = clauses.groupby("measure_id")["effective_date"].min()
    ev = (
        {m: g.sort_values("event_seq") for m, g in events.groupby("measure_id")}
        if len(events)
        else {}
    )
    rows = []
    values = days.to_numpy()
    for mid, since in known.items():
        g = ev.get(mid)
        for d in values[values >= np.datetime64(since)]:
            day = pd.Timestamp(d)
            eff = effective.get(mid)
            state, active, review = (
                "in force" if pd.notna(eff) and eff <= day else "announced",
                True,
                False,
            )
            if g is not None:
                for e in g.itertuples():
                    if e.available_date > day or e.from_date > day:
                        continue  # not known yet, or not started yet
                    if e.status_code == "suspended":
                        if day <= e.to_date:
                            state, active, review = (
                                f"suspended until {e.to_date.date()}",
                                False,
                                False,
                            )
                        else:
                            state, active, review = (
                                f"suspension expired {e.to_date.date()}, status unverified",
                                True,
                                True,
                            )
                    elif e.status_code == "resumed":
                        state, active, review = "in force (resumed)", True, False
                    elif e.status_code in ENDING:
                        state, active, review = e.status_code, False, False
            rows.append((mid, day, state, active, review))
    return pd.DataFrame(
        rows, columns=["measure_id", "available_date", "state", "is_active", "is_review"]
    )


def targets_importer(targets: str, imposer: str, importer: str) -> bool:
    members = members_of(importer)
    if imposer in members:
        return False  # its own measure (or a bloc member's): not an import shock for it
    listed = set(targets.split(";"))
    return "ALL" in listed or bool(listed & set(members))


def apply(out: pd.DataFrame, frames: Any, min_exposure: float, floor_level: int) -> pd.DataFrame:
    """Add the measures factor (largest exposure to an active control), its evidence and the
    level floor to the grid ``out`` (item, importer, date rows with the trade and production
    years in force)."""
    clauses = frames.measure_clauses
    if clauses.empty:
        return _empty(out)
    controls = clauses[clauses["measure_class_code"] == "control"]
    days = pd.DatetimeIndex(out["available_date"].drop_duplicates().sort_values())
    states = measure_states(clauses, frames.measure_events, days)
    act = controls.drop(columns="available_date").merge(
        states[states["is_active"]], on="measure_id"
    )
    if act.empty:
        return _empty(out)
    importers = out["importer_id"].drop_duplicates().tolist()
    parts = []
    for imp in importers:
        hit = act[
            [
                targets_importer(t, i, imp)
                for t, i in zip(act["targets_text"], act["imposer_id_iso3"], strict=True)
            ]
        ]
        parts.append(hit.assign(importer_id=imp))
    act = pd.concat(parts, ignore_index=True)
    if act.empty:
        return _empty(out)
    base = out[[*KEY, "trade_year", "has_fresh_trade", "production_year", "has_fresh_production"]]
    j = act.merge(base, on=KEY, how="inner")
    sh = frames.shares.rename(
        columns={"ref_year": "trade_year", "exporter_id_iso3": "imposer_id_iso3"}
    )
    j = j.merge(
        sh[["item_id", "importer_id", "trade_year", "imposer_id_iso3", "supplier_share"]],
        on=["item_id", "importer_id", "trade_year", "imposer_id_iso3"],
        how="left",
    )
    ps = frames.prod_shares.rename(
        columns={"ref_year": "production_year", "country_id_iso3": "imposer_id_iso3"}
    )
    j = j.merge(
        ps[["item_id", "production_year", "imposer_id_iso3", "production_share"]],
        on=["item_id", "production_year", "imposer_id_iso3"],
        how="left",
    )
    trade_ok = j["has_fresh_trade"].fillna(False).astype(bool)
    prod_ok = j["has_fresh_production"].fillna(False).astype(bool) & j["production_year"].notna()
    j["exposure"] = np.where(
        trade_ok,
        j["supplier_share"].fillna(0.0),
        np.where(prod_ok, j["production_share"].fillna(0.0), np.nan),
    )
    j["basis"] = np.where(
        trade_ok, "of imports", np.where(prod_ok, "of world production", "exposure unknown")
    )
    j["floor"] = np.where(j["exposure"] >= min_exposure, floor_level, 0)
    j["text"] = [
        f"{ref if isinstance(ref, str) and ref else mid} cl. {cl} {typ} "
        f"({imp} {'' if pd.isna(x) else f'{100 * x:.0f}% '}{b}; {st})"
        for ref, mid, cl, typ, imp, x, b, st in zip(
            j["legal_reference_text"],
            j["measure_id"],
            j["clause_id"],
            j["measure_type_code"],
            j["imposer_id_iso3"],
            j["exposure"],
            j["basis"],
            j["state"],
            strict=True,
        )
    ]
    j = j.sort_values([*KEY, "exposure"], ascending=[True, True, True, False], na_position="last")
    agg = j.groupby(KEY, sort=False).agg(
        supply_measures=("exposure", "max"),
        measure_floor_level=("floor", "max"),
        is_measure_review=("is_review", "any"),
        active_measures_text=("text", lambda t: "; ".join(dict.fromkeys(t))),
    )
    agg["measure_exposure_share"] = agg["supply_measures"]
    merged = out.merge(agg.reset_index(), on=KEY, how="left", validate="1:1")
    merged["supply_measures"] = merged["supply_measures"].where(
        merged["active_measures_text"].notna(), 0.0
    )
    merged["measure_floor_level"] = merged["measure_floor_level"].fillna(0).astype(int)
    merged["is_measure_review"] = (
        merged["is_measure_review"].astype("boolean").fillna(False).astype(bool)
    )
    return merged


def momentum(out: pd.DataFrame, frames: Any, window_days: int, saturation: int) -> pd.DataFrame:
    """The imposer's momentum on each row: for every government G other than the importer
    (or a bloc member), min(1, controls G published in the ``window_days`` up to the date /
    ``saturation``) x G's share of world production of the item (the production year in
    force on the row); the largest over G. When a government restricts one item it
    dominates, the next ones it dominates become likelier. Registry as of the date only:
    a measure counts from its ``available_date``."""
    res = out.assign(imposer_momentum_share=0.0, momentum_text=None)
    clauses = frames.measure_clauses
    if clauses.empty or (frames.prod_shares.empty and frames.export_shares.empty):
        return res
    ctrl = clauses[clauses["measure_class_code"] == "control"]
    pub = ctrl.groupby("measure_id").agg(
        imposer=("imposer_id_iso3", "first"), known=("available_date", "min")
    )
    days = pd.DatetimeIndex(out["available_date"].drop_duplicates().sort_values())
    counts = []
    for g, m in pub.groupby("imposer"):
        known = np.sort(m["known"].to_numpy(dtype="datetime64[ns]"))
        hi = np.searchsorted(known, days.to_numpy(), side="right")
        lo = np.searchsorted(
            known, (days - pd.Timedelta(days=window_days)).to_numpy(), side="right"
        )
        counts.append(
            pd.DataFrame({"available_date": days, "imposer_id_iso3": g, "n_recent": hi - lo})
        )
    cnt = pd.concat(counts, ignore_index=True)
    cnt = cnt[cnt["n_recent"] > 0]
    if cnt.empty:
        return res
    ps = frames.prod_shares.rename(
        columns={"ref_year": "production_year", "country_id_iso3": "imposer_id_iso3"}
    )[["item_id", "production_year", "imposer_id_iso3", "production_share"]]
    es = frames.export_shares
    es = (
        es.rename(columns={"ref_year": "trade_year", "country_id_iso3": "imposer_id_iso3"})[
            ["item_id", "trade_year", "imposer_id_iso3", "export_share"]
        ]
        if not es.empty
        else pd.DataFrame(columns=["item_id", "trade_year", "imposer_id_iso3", "export_share"])
    )
    base = out[["item_id", "importer_id", "available_date", "production_year", "trade_year"]]
    j = base.merge(cnt, on="available_date")
    j = j.merge(ps, on=["item_id", "production_year", "imposer_id_iso3"], how="left")
    j = j.merge(es, on=["item_id", "trade_year", "imposer_id_iso3"], how="left")
    # world production where a production year is in force, else world exports (BACI)
    j["basis"] = np.where(j["production_share"].notna(), "world production", "world exports")
    j["production_share"] = j["production_share"].fillna(j["export_share"])
    j = j[j["production_share"].notna() & (j["production_share"] > 0)]
    own = [g in members_of(i) for g, i in zip(j["imposer_id_iso3"], j["importer_id"], strict=True)]
    j = j[~np.array(own, dtype=bool)]
    if j.empty:
        return res
    j = j.assign(m=np.minimum(1.0, j["n_recent"] / saturation) * j["production_share"])
    j = j.sort_values([*KEY, "m"], ascending=[True, True, True, False]).groupby(KEY).head(1)
    j = j.assign(
        momentum_text=[
            f"{g}: {n} control(s) in the last {window_days // 30} months x {100 * s:.0f}% of {b}"
            for g, n, s, b in zip(
                j["imposer_id_iso3"], j["n_recent"], j["production_share"], j["basis"], strict=True
            )
        ]
    )
    res = out.merge(j[[*KEY, "m", "momentum_text"]], on=KEY, how="left", validate="1:1")
    res["imposer_momentum_share"] = res.pop("m").fillna(0.0)
    return res


def _empty(out: pd.DataFrame) -> pd.DataFrame:
    return out.assign(
        supply_measures=0.0,
        measure_exposure_share=np.nan,
        measure_floor_level=0,
        is_measure_review=False,
        active_measures_text=None,
    )


__all__ = ["apply", "change_dates", "measure_states", "momentum", "targets_importer"]
