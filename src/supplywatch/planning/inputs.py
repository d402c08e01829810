"""Planner inputs beside the stored-form units (planning/units.py, built as of a date by
services/plans.plan_inputs): the Monte Carlo arrays of a plan (``mc_input``) and the users'
own figures from CSV files (``read_user_inputs``)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from supplywatch.errors import DataError
from supplywatch.planning.model import Assumptions, MaterialInput, Scenario
from supplywatch.planning.montecarlo import MCInput


def mc_input(
    materials: list[MaterialInput],
    scenarios: list[Scenario],
    a: Assumptions,
    stock: dict[str, dict[str, float]],
) -> MCInput:
    """The Monte Carlo arrays for a plan: one event per (material, supplier) of the scenario
    list (durations are drawn, so the per-duration scenarios fold back into one event)."""
    idx = {m.material_id: i for i, m in enumerate(materials)}
    events: dict[tuple[str, tuple[float, float]], float] = {}
    for s in scenarios:
        key = (s.material_id, s.share_lost)
        events[key] = events.get(key, 0.0) + s.probability
    ev = list(events.items())
    cons = np.array([m.consumption_t_per_day for m in materials])
    return MCInput(
        consumption=cons,
        level=np.array([m.level for m in materials], dtype=np.int64),
        stock=np.array(
            [[stock[m.material_id][h] for h in ("KR", "JP", "POOL")] for m in materials]
        ),
        ev_material=np.array([idx[k[0]] for k, _ in ev], dtype=np.int64),
        ev_p=np.array([p for _, p in ev]),
        ev_lost=np.array([[cons[idx[k[0]], c] * k[1][c] for c in (0, 1)] for k, _ in ev]).reshape(
            len(ev), 2
        ),
        dur_days=np.array(a.duration_days, dtype=np.int64),
        dur_cdf=np.cumsum(a.duration_probability),
        horizon=a.horizon_days,
        release_level=a.pool.release_level,
        max_draw_share=a.pool.max_draw_share,
        lend_below_level=a.pool.lend_below_level,
        max_lend_share=a.pool.max_lend_share,
    )


def read_user_inputs(
    stocks: Path | None, consumption: Path | None, known: set[str]
) -> tuple[dict[tuple[str, int], float], dict[str, tuple[float, float, float]]]:
    """Users' own figures (not public): consumption CSV ``material_id,side,tonnes_per_year``
    (side KR or JP) and stock CSV ``material_id,holder,quantity_t`` (holder KR, JP or POOL).
    Errors name the file, row (header = 1) and column."""
    cons: dict[tuple[str, int], float] = {}
    held: dict[str, list[float]] = {}
    for path, cols, key in (
        (consumption, ("material_id", "side", "tonnes_per_year"), ("KR", "JP")),
        (stocks, ("material_id", "holder", "quantity_t"), ("KR", "JP", "POOL")),
    ):
        if path is None:
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in cols if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(str(path), f"missing column(s) {', '.join(missing)}", row=1)
            for r in reader:
                row = reader.line_num
                mid = (r[cols[0]] or "").strip()
                if mid not in known:
                    raise DataError(str(path), "unknown material", row, cols[0], mid)
                who = (r[cols[1]] or "").strip()
                if who not in key:
                    raise DataError(str(path), f"one of {', '.join(key)}", row, cols[1], who)
                try:
                    v = float(r[cols[2]])
                except (TypeError, ValueError):
                    raise DataError(str(path), "not a number", row, cols[2], r[cols[2]]) from None
                if not math.isfinite(v) or v < 0 or (key == ("KR", "JP") and v == 0):
                    raise DataError(
                        str(path),
                        "must be a finite number > 0"
                        if key == ("KR", "JP")
                        else "must be a finite number >= 0",
                        row,
                        cols[2],
                        str(v),
                    )
                if key == ("KR", "JP"):
                    cons[(mid, key.index(who))] = v
                else:
                    held.setdefault(mid, [0.0, 0.0, 0.0])[key.index(who)] += v
    return cons, {k: (v[0], v[1], v[2]) for k, v in held.items()}
