"""The event-aware risk model: the probability that a supply measure hits an item for an
importer within the next 12 months, given what was known on the date.

**Features** (each 0..1, from the out layer's factor columns as known on the date; a missing
factor takes the ladder's neutral value, as in the composite): supplier concentration,
sourcing governance (exposure to each supplier x its governance), production concentration,
recycling gap, import dynamics (annual and monthly), price shock, screens, active measures,
the imposer's momentum (alerts/measures.momentum) and the data gap (1 - confidence: stale or
missing data).

**Target**: 1 when a control measure of the registry (licence, ban, quota, tax, inspection,
de-facto halt, ...; not a relaxation or suspension) naming the item, by a government other than
the importer and aimed at it (or at all countries), becomes known within (D, D + 365 days].

**Model**: logistic regression, L2-regularised, every coefficient constrained to be >= 0
(monotone: more concentration, more measures never lower the probability, and neither does a
data gap: missing or stale data must never make an item look safer). ``FREE`` lists features
whose sign the data may choose (none). Fitted by accelerated projected gradient from zero
(deterministic). Calibrated by construction (maximum likelihood); checked on the validation
years (reliability bins, Brier).

**Time split, the documented rule** (ladder.yml ``model.fit``): rows are KOR and JPN x catalog
materials x first day of each month, scored or partial. The regularisation strength is chosen
among ``lambdas`` by log-loss on the selection years (fit on dates up to ``select_end``, score
the dates after it up to ``fit_end``); the model is then refitted on every date up to
``fit_end`` (labels up to a year later) and validated on ``validate_start`` to ``validate_end``.

**Explanation**: logit = intercept + sum of coefficient x feature; each term is the factor's
contribution, so explain shows what pushed the probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from supplywatch.alerts.measures import targets_importer
from supplywatch.catalog.out import FACTORS, factor_column

FEATURES: tuple[str, ...] = (*FACTORS, "imposer_momentum", "data_gap")
FREE: frozenset[str] = frozenset()
HORIZON_DAYS = 365
TRAIN_IMPORTERS = ("KOR", "JPN")


@dataclass(frozen=True)
class Fit:
    intercept: float
    coefficients: dict[str, float]
    lam: float


def feature_matrix(rows: pd.DataFrame, neutral: float) -> np.ndarray:
    """The model's features of out-layer rows (factor columns, imposer_momentum_share,
    confidence_share), missing factors at ``neutral``."""
    cols = []
    for f in FEATURES:
        if f == "imposer_momentum":
            v = rows["imposer_momentum_share"]
        elif f == "data_gap":
            v = 1.0 - rows["confidence_share"]
        else:
            v = rows[factor_column(f)]
        cols.append(pd.to_numeric(v, errors="coerce").fillna(neutral).to_numpy(dtype=float))
    return np.column_stack(cols) if cols else np.zeros((len(rows), 0))


def contributions(rows: pd.DataFrame, fit: Fit, neutral: float) -> pd.DataFrame:
    """Per row: each feature's term of the logit (coefficient x feature)."""
    x = feature_matrix(rows, neutral)
    w = np.array([fit.coefficients[f] for f in FEATURES])
    return pd.DataFrame(x * w, columns=list(FEATURES), index=rows.index)


def probability(rows: pd.DataFrame, fit: Fit, neutral: float) -> np.ndarray:
    c = contributions(rows, fit, neutral)
    out: np.ndarray = _sigmoid(fit.intercept + c.sum(axis=1).to_numpy())
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
    return out


def labels(
    rows: pd.DataFrame, clauses: pd.DataFrame, horizon_days: int = HORIZON_DAYS
) -> np.ndarray:
    """1 where a control measure on the row's item, aimed at its importer, becomes known
    within (date, date + horizon]."""
    y = np.zeros(len(rows), dtype=float)
    if clauses.empty or rows.empty:
        return y
    ctrl = clauses[clauses["measure_class_code"] == "control"]
    ctrl = ctrl.drop_duplicates(["measure_id", "item_id"])
    d = pd.to_datetime(rows["available_date"]).to_numpy(dtype="datetime64[ns]")
    horizon = np.timedelta64(horizon_days, "D")
    item = rows["item_id"].to_numpy()
    imp = rows["importer_id"].to_numpy()
    for r in ctrl.itertuples():
        known = np.datetime64(pd.Timestamp(r.available_date), "ns")
        hit = (item == r.item_id) & (d < known) & (known <= d + horizon)
        if not hit.any():
            continue
        aimed = np.array(
            [targets_importer(str(r.targets_text), str(r.imposer_id_iso3), i) for i in imp[hit]]
        )
        idx = np.flatnonzero(hit)[aimed]
        y[idx] = 1.0
    return y


def fit_logistic(
    x: np.ndarray, y: np.ndarray, lam: float, free: np.ndarray, iters: int = 3000
) -> tuple[float, np.ndarray]:
    """Regularised logistic regression, coefficients >= 0 except where ``free``; FISTA
    (accelerated projected gradient) from zero: deterministic."""
    n, k = x.shape
    xa = np.column_stack([np.ones(n), x])
    lip = 0.25 * float(np.linalg.eigvalsh(xa.T @ xa / n).max()) + lam
    step = 1.0 / lip
    theta = np.zeros(k + 1)
    mom = theta.copy()
    t = 1.0
    pen = np.r_[0.0, np.ones(k)]  # the intercept is not penalised

    def project(v: np.ndarray) -> np.ndarray:
        out = v.copy()
        clip = np.r_[False, ~free]
        out[clip] = np.maximum(out[clip], 0.0)
        return out

    for _ in range(iters):
        p = _sigmoid(xa @ mom)
        grad = xa.T @ (p - y) / n + lam * pen * mom
        new = project(mom - step * grad)
        t_next = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        mom = new + ((t - 1.0) / t_next) * (new - theta)
        if np.max(np.abs(new - theta)) < 1e-10:
            theta = new
            break
        theta, t = new, t_next
    return float(theta[0]), theta[1:]


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(y: np.ndarray, s: np.ndarray) -> float | None:
    """Mann-Whitney AUC (ties count half); None without both classes."""
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    order = np.argsort(np.r_[pos, neg], kind="mergesort")
    ranks = np.empty(len(order))
    allv = np.r_[pos, neg][order]
    # average ranks for ties
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg)))


def reliability(y: np.ndarray, p: np.ndarray, edges: tuple[float, ...]) -> list[dict[str, Any]]:
    """Observed rate against mean predicted probability per band of ``edges``."""
    out = []
    bounds = [0.0, *edges, 1.0 + 1e-9]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        sel = (p >= lo) & (p < hi)
        out.append(
            {
                "band": f"{lo:.2f}-{min(hi, 1.0):.2f}",
                "rows": int(sel.sum()),
                "mean_predicted": round(float(p[sel].mean()), 4) if sel.any() else None,
                "observed": round(float(y[sel].mean()), 4) if sel.any() else None,
            }
        )
    return out


def training_rows(factors: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """The rows the rule trains on: materials x KOR, JPN x first day of each month between
    ``start`` and ``end``, scored or partial."""
    f = factors
    d = pd.to_datetime(f["available_date"])
    keep = (
        f["importer_id"].isin(TRAIN_IMPORTERS)
        & f["item_state_code"].isin(["scored", "partial"])
        & (d.dt.day == 1)
        & (d >= pd.Timestamp(start))
        & (d <= pd.Timestamp(end))
    )
    return f[keep.to_numpy()].reset_index(drop=True)


def fit_by_rule(
    factors: pd.DataFrame,
    clauses: pd.DataFrame,
    cfg: Any,
    neutral: float,
    bands: dict[str, float],
) -> tuple[dict[str, Fit], dict[str, Any]]:
    """Choose the regularisation on the selection years, refit up to ``fit_end`` (the split
    model), validate on the later years, and refit up to ``production_end`` (the production
    model). Returns both fits and a report (sizes, log-loss, AUC, Brier, reliability)."""
    free = np.array([f in FREE for f in FEATURES])
    sel_fit = training_rows(factors, cfg.start, cfg.select_end)
    sel_val = training_rows(factors, _next_month(cfg.select_end), cfg.fit_end)
    xs, ys = feature_matrix(sel_fit, neutral), labels(sel_fit, clauses)
    xv, yv = feature_matrix(sel_val, neutral), labels(sel_val, clauses)
    losses = {}
    for lam in cfg.lambdas:
        b, w = fit_logistic(xs, ys, lam, free)
        losses[lam] = log_loss(yv, _sigmoid(b + xv @ w))
    best = min(cfg.lambdas, key=lambda lam: (round(losses[lam], 9), -lam))
    train = training_rows(factors, cfg.start, cfg.fit_end)
    fit = _refit(train, clauses, best, neutral, free)
    prod_rows = training_rows(factors, cfg.start, cfg.production_end)
    prod = _refit(prod_rows, clauses, best, neutral, free)
    val = training_rows(factors, cfg.validate_start, cfg.validate_end)
    report = {
        "lambda_selection_log_loss": {str(k): round(v, 5) for k, v in losses.items()},
        "lambda": best,
        "split_fit": _metrics(train, clauses, fit, neutral, bands),
        "split_validation": _metrics(val, clauses, fit, neutral, bands),
        "production_in_sample": _metrics(prod_rows, clauses, prod, neutral, bands),
    }
    return {"split": fit, "production": prod}, report


def _refit(
    rows: pd.DataFrame, clauses: pd.DataFrame, lam: float, neutral: float, free: np.ndarray
) -> Fit:
    b, w = fit_logistic(feature_matrix(rows, neutral), labels(rows, clauses), lam, free)
    return Fit(round(b, 4), {f: round(float(c), 4) for f, c in zip(FEATURES, w, strict=True)}, lam)


def _metrics(
    rows: pd.DataFrame, clauses: pd.DataFrame, fit: Fit, neutral: float, bands: dict[str, float]
) -> dict[str, Any]:
    y = labels(rows, clauses)
    p = probability(rows, fit, neutral) if len(rows) else np.array([])
    d = pd.to_datetime(rows["available_date"]) if len(rows) else pd.Series(dtype="datetime64[ns]")
    return {
        "rows": int(len(rows)),
        "dates": f"{d.min().date()}..{d.max().date()}" if len(rows) else None,
        "positives": int(y.sum()),
        "base_rate": round(float(y.mean()), 4) if len(y) else None,
        "log_loss": round(log_loss(y, p), 4) if len(y) else None,
        "brier": round(float(np.mean((p - y) ** 2)), 4) if len(y) else None,
        "auc": None if (a := auc(y, p)) is None else round(a, 3),
        "reliability": reliability(y, p, tuple(sorted(bands.values()))),
    }


def _next_month(d: date) -> date:
    nxt: date = (pd.Timestamp(d) + pd.offsets.MonthBegin(1)).date()
    return nxt
