"""Benchmark: the monthly trade detectors (indicators/monthly.py) on SYNTHETIC monthly flows
(generated here, labelled synthetic; never stored), and the risk model's fit.

Detectors: the replay per vintage as shipped (z-scores of the last 9 months of each series:
all the flags read) against a baseline measured in the same run, the naive replay that
recomputes every month's z-score at every vintage. Both give the same newest-month signals
(checked). Model: the FISTA fit (alerts/riskmodel.py) on a synthetic design of the size of the
bundle's training rows, against plain projected gradient descent with the same step and
tolerance (the baseline), both to the same objective.

Usage: python benchmarks/bench_monthly.py [--items 20] [--suppliers 5] [--months 72]
       [--out benchmarks/results/monthly.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

from supplywatch.alerts import riskmodel
from supplywatch.indicators import monthly


def synthetic_flows(items: int, suppliers: int, months: int, seed: int = 7) -> pd.DataFrame:
    """SYNTHETIC seasonal monthly flows into KOR and JPN (scale benchmark only)."""
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2019-01-01", periods=months, freq="MS")
    t = np.arange(months)
    rows = []
    for i in range(items):
        for s in range(suppliers):
            for imp in ("KOR", "JPN"):
                base = rng.uniform(100, 10_000)
                v = (
                    base
                    * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
                    * np.exp(rng.normal(0, 0.1, months))
                )
                rows.append(
                    pd.DataFrame(
                        {
                            "item_id": f"item{i:03d}",
                            "importer_id_iso3": imp,
                            "supplier_id_iso3": f"S{s:02d}",
                            "period_start_date": periods,
                            "flow_side_code": "importer",
                            "source_name": "comtrade",
                            "reporter_id_iso3": imp,
                            "value_currency_code": "USD",
                            "value_k": v,
                            "qty_t": v / 500,
                            "available_date": periods + pd.DateOffset(months=3),
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


def _timed(fn: object, *args: object) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args)  # type: ignore[operator]
    return time.perf_counter() - t0, out


def bench_detectors(items: int, suppliers: int, months: int) -> dict[str, object]:
    flows = synthetic_flows(items, suppliers, months)
    shipped_t, shipped = _timed(monthly.signals, flows, ["KOR", "JPN", "BLOC"])
    full = monthly.robust_z

    def naive(y: np.ndarray, _last: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        return full(y, None)  # every month, every vintage

    with mock.patch.object(monthly, "robust_z", naive):
        naive_t, baseline = _timed(monthly.signals, flows, ["KOR", "JPN", "BLOC"])
    cols = ["value_z", "signal_share", "is_surge", "is_collapse", "is_surge_then_collapse"]
    pd.testing.assert_frame_equal(shipped[cols], baseline[cols])  # type: ignore[index]
    return {
        "flow_rows": len(flows),
        "signal_rows": len(shipped),  # type: ignore[arg-type]
        "shipped_s": round(shipped_t, 3),
        "baseline_full_recompute_s": round(naive_t, 3),
        "speedup": round(naive_t / shipped_t, 2),
    }


def _pgd(x: np.ndarray, y: np.ndarray, lam: float, free: np.ndarray) -> tuple[float, np.ndarray]:
    """Baseline: projected gradient descent without acceleration (same step, same stop)."""
    n, k = x.shape
    xa = np.column_stack([np.ones(n), x])
    step = 1.0 / (0.25 * float(np.linalg.eigvalsh(xa.T @ xa / n).max()) + lam)
    theta = np.zeros(k + 1)
    pen = np.r_[0.0, np.ones(k)]
    clip = np.r_[False, ~free]
    for _ in range(200_000):
        p = 1 / (1 + np.exp(-(xa @ theta)))
        new = theta - step * (xa.T @ (p - y) / n + lam * pen * theta)
        new[clip] = np.maximum(new[clip], 0.0)
        if np.max(np.abs(new - theta)) < 1e-10:
            return float(new[0]), new[1:]
        theta = new
    return float(theta[0]), theta[1:]


def bench_fit(rows: int) -> dict[str, object]:
    rng = np.random.default_rng(3)
    k = len(riskmodel.FEATURES)
    x = rng.uniform(0, 1, (rows, k))  # SYNTHETIC design
    logit = -3 + x @ np.linspace(1.5, -0.5, k)
    y = (rng.uniform(0, 1, rows) < 1 / (1 + np.exp(-logit))).astype(float)
    free = np.array([f in riskmodel.FREE for f in riskmodel.FEATURES])
    fista_t, (b1, w1) = _timed(riskmodel.fit_logistic, x, y, 1e-4, free, 100_000)
    pgd_t, (b2, w2) = _timed(_pgd, x, y, 1e-4, free)

    def loss(b: float, w: np.ndarray) -> float:
        return riskmodel.log_loss(y, 1 / (1 + np.exp(-(b + x @ w))))

    return {
        "rows": rows,
        "features": k,
        "fista_s": round(fista_t, 3),
        "baseline_projected_gradient_s": round(pgd_t, 3),
        "speedup": round(pgd_t / fista_t, 2),
        "log_loss_fista": round(loss(b1, w1), 6),
        "log_loss_baseline": round(loss(b2, w2), 6),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--suppliers", type=int, default=5)
    ap.add_argument("--months", type=int, default=72)
    ap.add_argument("--rows", type=int, default=31_544)  # the bundle's production fit rows
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/monthly.json"))
    a = ap.parse_args()
    res = {
        "data": "SYNTHETIC (generated by this script)",
        "detectors": bench_detectors(a.items, a.suppliers, a.months),
        "fit": bench_fit(a.rows),
    }
    print(json.dumps(res, indent=1))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
