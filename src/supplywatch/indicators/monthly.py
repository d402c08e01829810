"""Monthly trade signals: seasonal baselines, robust z-scores, surge-then-collapse, supplier
share shifts, from the monthly customs flows the connectors fetch (core_customs__trade_flows).

Two stages, like the annual indicators:

- ``item_monthly_flows`` (Ibis, runs on DuckDB or Spark): per item, importer, supplier, month,
  reporting side and source, the value and tonnes of the item's HS codes. **Sides**: the
  importer's own imports (flow M reported by Korea or Japan) or the **mirror**: the supplier's
  reported exports to the importer (flow X reported by e.g. China), used where the importer's
  own figures are missing or not yet published. Every row keeps the ``available_date`` its
  source's publication lag gives (pipeline/snapshot_ingest.py).
- ``signals`` (pandas, small frames): the detectors, replayed **per vintage**: on each date new
  monthly rows became available, only rows available by then are read (store/pit.py's rule),
  so a signal never uses a month published later.

The detectors (module constants are the documented parameters; they are not fitted to events):

- **Robust z-score** of log(1 + value), of log(1 + tonnes) and of the log unit value: the
  month against the ``BASELINE_MONTHS`` before it (at least ``MIN_BASELINE_MONTHS`` known):
  (y - seasonal - median) / (1.4826 x MAD), MAD floored at ``MAD_FLOOR``. **Seasonal
  baseline**: with at least 24 known months in the window, each calendar month's median
  deviation from the window's median (a month seen fewer than twice has none).
- **Zeros**: Comtrade and the customs services omit zero flows, so a month in which the
  reporter reported the item for some partner but not for this one counts as a zero (a stop),
  never as missing; a month the reporter did not report at all is missing.
- **Surge**: z >= ``Z_SURGE``; **collapse**: z <= ``Z_COLLAPSE``; **surge-then-collapse**: a
  collapse within ``PATTERN_MONTHS`` after a surge (buyers front-run an announced control,
  then flows stop).
- **Supplier share shift**: the supplier's share of the importer's imports (importer side) in
  the last 3 months minus its share in the 12 before.

Each (item, importer, supplier) gets a ``signal_share`` 0..1: 1 for surge-then-collapse, else
the largest of collapse (-z/4), surge (z/8: front-running is a warning, not a hit), unit-value
jump (z/8) and share fall (-shift x 2), weighted by the supplier's share of the importer's
imports (annual BACI share known then, else the monthly share, else 0.5, said in
``weight_basis_text``). The item's monthly trade signal is the largest over its suppliers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from supplywatch.catalog.importers import BLOC_ID, BLOC_MEMBERS
from supplywatch.catalog.tables import TABLES
from supplywatch.indicators.trade import HS_REVISIONS

BASELINE_MONTHS = 36
MIN_BASELINE_MONTHS = 12
SEASONAL_MIN_MONTHS = 24
MAD_FLOOR = 0.10  # log units: a flat history does not turn a 10% move into a huge z
MAD_SCALE = 1.4826
Z_SURGE = 2.5
Z_COLLAPSE = -2.5
PATTERN_MONTHS = 6
SHARE_WINDOW_RECENT = 3
SHARE_WINDOW_PRIOR = 12
NEUTRAL_WEIGHT = 0.5
#: National customs first (fresher, the importer's own), then UN Comtrade.
SOURCE_PRIORITY = {"kcs": 0, "japan_customs": 0, "comtrade": 1}
SIDES = ("importer", "mirror")

#: The signal rows' columns: the out table's declaration (catalog/out.py) less the item kind.
SIGNAL_COLUMNS = [
    c for c in TABLES["out_supplywatch__monthly_signals"].fields if c != "item_kind_code"
]


def item_monthly_flows(customs: ir.Table, links: ir.Table, importers: Iterable[str]) -> ir.Table:
    """Monthly flows per item into each of ``importers``' member countries, from either side.

    Columns: item_id, importer_id_iso3, supplier_id_iso3, period_start_date, flow_side_code
    (importer / mirror), source_name, reporter_id_iso3, value_k (thousands, in
    value_currency_code), value_currency_code, qty_t, available_date."""
    countries = sorted({c for i in importers for c in (BLOC_MEMBERS if i == BLOC_ID else (i,))})
    c = customs.filter(
        (customs.freq_code == "M")
        & customs.classification_code.isin(list(HS_REVISIONS))
        & (customs.partner_id_iso3 != "WLD")
        & (customs.reporter_id_iso3 != customs.partner_id_iso3)
        & (
            ((customs.flow_code == "M") & customs.reporter_id_iso3.isin(countries))
            | ((customs.flow_code == "X") & customs.partner_id_iso3.isin(countries))
        )
    )
    lk = links.select("item_id", "hs_revision_code", "product_id_hs6")
    j = c.join(
        lk, [c.classification_code == lk.hs_revision_code, c.product_id_hs6 == lk.product_id_hs6]
    )
    imp = j.flow_code == "M"
    kg = j.net_weight_kg.fill_null(ibis.ifelse(j.qty_unit_code == "kg", j.qty, None))
    usd = j.value_usd.notnull()
    j = j.mutate(
        importer_id_iso3=ibis.ifelse(imp, j.reporter_id_iso3, j.partner_id_iso3),
        supplier_id_iso3=ibis.ifelse(imp, j.partner_id_iso3, j.reporter_id_iso3),
        flow_side_code=ibis.ifelse(imp, "importer", "mirror"),
        value_currency_code=ibis.ifelse(usd, "USD", "JPY"),
        _value_k=ibis.ifelse(usd, j.value_usd / 1000.0, j.value_kjpy),
        _t=kg / 1000.0,
    )
    return j.group_by(
        [
            "item_id",
            "importer_id_iso3",
            "supplier_id_iso3",
            "period_start_date",
            "flow_side_code",
            "source_name",
            "reporter_id_iso3",
            "value_currency_code",
        ]
    ).aggregate(
        value_k=j._value_k.sum(),
        qty_t=j._t.sum(),
        available_date=j.available_date.max(),
    )


# --- detectors (pure functions on one regular monthly series) ---------------------------------


def robust_z(y: np.ndarray, last: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per month of a regular monthly series ``y`` (NaN = missing; index 0 = any calendar
    month, the series is regular so ``i % 12`` is the calendar month): the robust z-score
    against the ``BASELINE_MONTHS`` before it, seasonally adjusted, and how many months the
    baseline held (NaN z where fewer than ``MIN_BASELINE_MONTHS``). ``last``: compute only
    the last that many months (the rest NaN)."""
    n = len(y)
    z = np.full(n, np.nan)
    used = np.zeros(n, dtype=int)
    cal = np.arange(n) % 12
    for t in range(0 if last is None else max(0, n - last), n):
        if np.isnan(y[t]):
            continue
        lo = max(0, t - BASELINE_MONTHS)
        h, hc = y[lo:t], cal[lo:t]
        ok = ~np.isnan(h)
        used[t] = int(ok.sum())
        if used[t] < MIN_BASELINE_MONTHS:
            continue
        med = float(np.median(h[ok]))
        season = np.zeros(12)
        if used[t] >= SEASONAL_MIN_MONTHS:
            # the window as years x calendar months (NaN where unknown): one median per column
            rows = (np.arange(lo, t) - (lo - lo % 12)) // 12
            grid = np.full((int(rows.max()) + 1, 12), np.nan)
            grid[rows, hc] = h
            seen = (~np.isnan(grid)).sum(axis=0)
            with np.errstate(all="ignore"):
                by_month = np.nanmedian(np.where(seen >= 2, grid, 0.0), axis=0)
            season = np.where(seen >= 2, by_month - med, 0.0)
        h, hc = h[ok], hc[ok]
        dev = h - season[hc]
        center = float(np.median(dev))
        mad = max(MAD_SCALE * float(np.median(np.abs(dev - center))), MAD_FLOOR)
        z[t] = (y[t] - season[cal[t]] - center) / mad
    return z, used


def surge_then_collapse(z: np.ndarray) -> np.ndarray:
    """True at a month whose z is a collapse with a surge in the ``PATTERN_MONTHS`` before."""
    n = len(z)
    out = np.zeros(n, dtype=bool)
    for t in range(n):
        if np.isnan(z[t]) or z[t] > Z_COLLAPSE:
            continue
        prior = z[max(0, t - PATTERN_MONTHS) : t]
        out[t] = bool(np.any(prior[~np.isnan(prior)] >= Z_SURGE))
    return out


def month_index(periods: pd.Series) -> np.ndarray:
    p = pd.to_datetime(periods)
    out: np.ndarray = (p.dt.year * 12 + p.dt.month - 1).to_numpy(dtype=int)
    return out


def regular(months: np.ndarray, values: np.ndarray, covered: set[int]) -> tuple[int, np.ndarray]:
    """A regular series from the first covered month to the last: reported values, 0 for a
    covered month without a row (zeros are omitted by the sources), NaN for an uncovered one."""
    if not covered:
        return 0, np.array([])
    first, last = min(covered), max(covered)
    y = np.full(last - first + 1, np.nan)
    for m in covered:
        y[m - first] = 0.0
    for m, v in zip(months, values, strict=True):
        if first <= m <= last:
            y[m - first] = v
    return first, y


# --- replay per vintage -----------------------------------------------------------------------


def signals(
    flows: pd.DataFrame, importers: Iterable[str], annual_shares: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The signal rows: per vintage (a date new monthly rows became available), for every
    (item, importer) that received rows then, one row per supplier with its newest month's
    detectors. ``annual_shares``: item_id, importer_id, exporter_id_iso3, supplier_share,
    available_date (the supplier weights, point in time)."""
    if flows.empty:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    f = flows.copy()
    f["available_date"] = pd.to_datetime(f["available_date"]).astype("datetime64[ns]")
    f["_m"] = month_index(f["period_start_date"])
    imps = list(dict.fromkeys(importers))
    rows: list[dict[str, Any]] = []
    # per item, per vintage: every importer of an item with new rows (a reporter's new month
    # can also say that a partner it did not report had none: a zero)
    for item, rows_of_item in f.groupby("item_id", sort=True):
        rows_of_item = rows_of_item.sort_values("available_date", kind="stable")
        avail = rows_of_item["available_date"].to_numpy()
        for v in np.unique(avail):
            of_item = rows_of_item.iloc[: int(np.searchsorted(avail, v, side="right"))]
            for imp in imps:
                members = BLOC_MEMBERS if imp == BLOC_ID else (imp,)
                sub = of_item[of_item["importer_id_iso3"].isin(members)]
                if sub.empty:
                    continue
                if imp == BLOC_ID:
                    sub = sub[~sub["supplier_id_iso3"].isin(BLOC_MEMBERS)]
                rows += _pair_rows(
                    sub, of_item, str(item), imp, members, pd.Timestamp(v), annual_shares
                )
    if not rows:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    out = pd.DataFrame(rows, columns=SIGNAL_COLUMNS)
    out = out.sort_values(["available_date", "item_id", "importer_id", "supplier_id_iso3"])
    out = out.reset_index(drop=True)
    for c in ("signal_text", "weight_basis_text"):  # one dtype whatever the values
        out[c] = pd.Series([None if pd.isna(x) else str(x) for x in out[c]], dtype=object)
    return out


def _chosen(sub: pd.DataFrame, member: str) -> pd.DataFrame:
    """One member's rows on one side and one source per supplier: the side and source whose
    newest month is the latest (the mirror stands in while the importer's own figures lag or
    are missing); ties: the importer's own figures, then the source with the most months, then
    national customs."""
    s = sub[sub["importer_id_iso3"] == member]
    if s.empty:
        return s
    s = s.assign(_side=s["flow_side_code"].map({"importer": 0, "mirror": 1}))
    s = s.assign(_prio=s["source_name"].map(SOURCE_PRIORITY).fillna(2))
    g = s.groupby(["supplier_id_iso3", "_side", "source_name", "_prio"])["_m"]
    best = (
        pd.concat([g.max().rename("_last"), g.nunique().rename("_n")], axis=1)
        .reset_index()
        .sort_values(
            ["supplier_id_iso3", "_last", "_side", "_n", "_prio"], ascending=[1, 0, 1, 0, 1]
        )
        .groupby("supplier_id_iso3")
        .head(1)
    )
    return s.merge(
        best[["supplier_id_iso3", "_side", "source_name"]],
        on=["supplier_id_iso3", "_side", "source_name"],
    )


def _covered(sub: pd.DataFrame, reporter: str, side: str, source: str) -> set[int]:
    r = sub[
        (sub["reporter_id_iso3"] == reporter)
        & (sub["flow_side_code"] == side)
        & (sub["source_name"] == source)
    ]
    return set(r["_m"].tolist())


def _pair_rows(
    sub: pd.DataFrame,
    of_item: pd.DataFrame,
    item: str,
    imp: str,
    members: tuple[str, ...],
    v: pd.Timestamp,
    annual: pd.DataFrame | None,
) -> list[dict[str, Any]]:
    per_member = [c for c in (_chosen(sub, m) for m in members) if not c.empty]
    if not per_member:
        return []
    chosen = pd.concat(per_member, ignore_index=True)
    series: dict[str, dict[str, Any]] = {}
    for sup, g in chosen.groupby("supplier_id_iso3"):
        parts = []
        for (member, side, source, reporter), gg in g.groupby(
            ["importer_id_iso3", "flow_side_code", "source_name", "reporter_id_iso3"]
        ):
            cov = _covered(sub, str(reporter), str(side), str(source))
            # a mirror reporter (the supplier) covers a month when it reported the item to
            # any importer watched
            if side == "mirror":
                allrep = of_item[
                    (of_item["reporter_id_iso3"] == reporter)
                    & (of_item["source_name"] == source)
                    & (of_item["flow_side_code"] == "mirror")
                ]
                cov = set(allrep["_m"].tolist())
            parts.append((member, side, source, gg, cov))
        series[str(sup)] = {"parts": parts}
    # share of each supplier, importer side only (the mirror has no importer total)
    imp_side = chosen[chosen["flow_side_code"] == "importer"]
    totals = imp_side.groupby("_m")["value_k"].sum()
    out = []
    for sup, s in sorted(series.items()):
        months: dict[int, float] = {}
        tonnes: dict[int, float] = {}
        covered: set[int] | None = None
        sides = sorted({p[1] for p in s["parts"]})
        sources = sorted({p[2] for p in s["parts"]})
        currencies = sorted({str(c) for p in s["parts"] for c in p[3]["value_currency_code"]})
        for _member, _side, _source, gg, cov in s["parts"]:
            covered = cov if covered is None else covered & cov  # the bloc: every member
            for m, val, t in zip(gg["_m"], gg["value_k"], gg["qty_t"], strict=True):
                months[int(m)] = months.get(int(m), 0.0) + float(val)
                if not pd.isna(t):
                    tonnes[int(m)] = tonnes.get(int(m), 0.0) + float(t)
        cov_all = covered or set()
        if not cov_all:
            continue
        first, val = regular(np.array(list(months)), np.array(list(months.values())), cov_all)
        _, qty = regular(np.array(list(tonnes)), np.array(list(tonnes.values())), cov_all)
        newest = len(val) - 1
        yv = np.log1p(np.clip(val, 0, None))
        yq = np.log1p(np.clip(qty, 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = np.where((val > 0) & (qty > 0), np.log(val / qty), np.nan)
        k = PATTERN_MONTHS + 3  # what the flags of the last 3 months read
        zv, used = robust_z(yv, k)
        zq, _ = robust_z(yq, k)
        zu, _ = robust_z(uv, k)
        pattern = surge_then_collapse(zv)
        z_now = zv[newest]
        recent = zv[max(0, newest - 2) : newest + 1]
        surge_z = float(np.nanmax(recent)) if np.any(~np.isnan(recent)) else np.nan
        uv_recent = zu[max(0, newest - 2) : newest + 1]
        uv_z = float(np.nanmax(uv_recent)) if np.any(~np.isnan(uv_recent)) else np.nan
        recent_pat = bool(pattern[max(0, newest - 2) : newest + 1].any())
        rs, ps, shift = _share_shift(first, val, totals, s)
        weight, basis = _weight(annual, item, imp, sup, v, ps)
        parts_sig = []
        if recent_pat:
            parts_sig.append((1.0, "surge then collapse"))
        if not np.isnan(z_now) and z_now <= Z_COLLAPSE:
            parts_sig.append((min(1.0, -z_now / 4.0), f"collapse z {z_now:+.1f}"))
        if not np.isnan(surge_z) and surge_z >= Z_SURGE:
            parts_sig.append((min(0.5, surge_z / 8.0), f"surge z {surge_z:+.1f}"))
        if not np.isnan(uv_z) and uv_z >= Z_SURGE:
            parts_sig.append((min(0.5, uv_z / 8.0), f"unit value z {uv_z:+.1f}"))
        if shift is not None and shift < 0:
            parts_sig.append((min(1.0, -shift * 2.0), f"share {shift:+.0%} (3 v 12 months)"))
        strength, why = max(parts_sig, default=(0.0, ""))
        period = pd.Timestamp(year=(first + newest) // 12, month=(first + newest) % 12 + 1, day=1)
        side_text = "+".join(sides)
        out.append(
            {
                "item_id": item,
                "importer_id": imp,
                "supplier_id_iso3": sup,
                "available_date": v,
                "period_start_date": period,
                "flow_side_code": side_text if side_text in SIDES else "mixed",
                "source_name": "+".join(sources),
                "flow_value_k": float(val[newest]),
                "value_currency_code": "+".join(currencies),
                "qty_t": float(qty[newest]) if newest < len(qty) and len(tonnes) else None,
                "baseline_month_count": int(used[newest]),
                "value_z": _f(z_now),
                "qty_z": _f(zq[newest]) if newest < len(zq) else None,
                "unit_value_z": _f(zu[newest]) if newest < len(zu) else None,
                "recent_share": rs,
                "prior_share": ps,
                "supplier_share_change": shift,
                "is_surge": bool(not np.isnan(surge_z) and surge_z >= Z_SURGE),
                "is_collapse": bool(not np.isnan(z_now) and z_now <= Z_COLLAPSE),
                "is_surge_then_collapse": recent_pat,
                "weight_share": weight,
                "weight_basis_text": basis,
                "signal_share": round(weight * strength, 12),
                "signal_text": _text(sup, imp, side_text, period, why) if why else None,
            }
        )
    return out


def _f(x: float) -> float | None:
    return None if x is None or np.isnan(x) else float(x)


def _share_shift(
    first: int, val: np.ndarray, totals: pd.Series, s: dict[str, Any]
) -> tuple[float | None, float | None, float | None]:
    if not any(p[1] == "importer" for p in s["parts"]) or totals.empty:
        return None, None, None
    newest = first + len(val) - 1
    mine = pd.Series(val, index=range(first, newest + 1))

    def share(lo: int, hi: int) -> float | None:
        tot = totals.reindex(range(lo, hi + 1)).dropna()
        if len(tot) < (hi - lo + 1) // 2 + 1 or tot.sum() <= 0:
            return None
        return float(mine.reindex(tot.index).fillna(0.0).sum() / tot.sum())

    rs = share(newest - SHARE_WINDOW_RECENT + 1, newest)
    ps = share(newest - SHARE_WINDOW_RECENT - SHARE_WINDOW_PRIOR + 1, newest - SHARE_WINDOW_RECENT)
    if rs is None or ps is None:
        return rs, ps, None
    return rs, ps, rs - ps


def _weight(
    annual: pd.DataFrame | None,
    item: str,
    imp: str,
    sup: str,
    v: pd.Timestamp,
    prior: float | None,
) -> tuple[float, str]:
    if annual is not None and not annual.empty:
        a = annual[
            (annual["item_id"] == item)
            & (annual["importer_id"] == imp)
            & (pd.to_datetime(annual["available_date"]) <= v)
        ]
        if not a.empty:
            year = a["ref_year"].max()
            row = a[(a["ref_year"] == year) & (a["exporter_id_iso3"] == sup)]
            share = float(row["supplier_share"].iloc[0]) if not row.empty else 0.0
            return share, f"annual share {int(year)}"
    if prior is not None:
        return float(prior), "monthly share (12 months)"
    return NEUTRAL_WEIGHT, "no share known (neutral 0.5)"


def _text(sup: str, imp: str, side: str, period: pd.Timestamp, why: str) -> str:
    whose = f"{sup}'s reported exports (mirror)" if side == "mirror" else f"{imp}'s imports"
    return f"{sup}->{imp} {period:%Y-%m}: {why} ({whose})"


def item_signal(sig: pd.DataFrame) -> pd.DataFrame:
    """Per (item, importer, vintage): the largest supplier signal and its text."""
    if sig.empty:
        return pd.DataFrame(
            columns=[
                "item_id",
                "importer_id",
                "available_date",
                "monthly_period_start_date",
                "monthly_signal_share",
                "monthly_signal_text",
            ]
        )
    s = sig.sort_values(["signal_share", "supplier_id_iso3"], ascending=[False, True])
    top = s.groupby(["item_id", "importer_id", "available_date"], sort=False).head(1)
    newest = sig.groupby(["item_id", "importer_id", "available_date"])["period_start_date"].max()
    top = top.merge(
        newest.rename("monthly_period_start_date").reset_index(),
        on=["item_id", "importer_id", "available_date"],
    )
    return top.rename(
        columns={"signal_share": "monthly_signal_share", "signal_text": "monthly_signal_text"}
    )[
        [
            "item_id",
            "importer_id",
            "available_date",
            "monthly_period_start_date",
            "monthly_signal_share",
            "monthly_signal_text",
        ]
    ]
