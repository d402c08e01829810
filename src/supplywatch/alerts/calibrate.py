"""Level thresholds by the documented rule in ladder.yml (quantiles of the scores of items in
the "scored" state over the calibration window; exit = entry - hysteresis). Never fitted to
individual events."""

from __future__ import annotations

import numpy as np

from supplywatch.alerts.model import Ladder


def thresholds(scores: np.ndarray, ladder: Ladder) -> dict[str, tuple[float, float]]:
    """Level code -> (entry, exit), rounded to 0.1 point, from the window's ``scores``."""
    out = {}
    for lv in ladder.levels:
        q = ladder.calibration.quantiles[lv.code]
        entry = round(float(np.quantile(scores, q)), 1)
        out[lv.code] = (entry, round(entry - ladder.calibration.hysteresis_points, 1))
    return out
