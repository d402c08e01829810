"""Level thresholds by the documented rule in ladder.yml (quantiles of all scores over the
calibration window; exit = entry - hysteresis). Never fitted to individual events."""

from __future__ import annotations

import numpy as np

from supplywatch.alerts.evaluate import Frames, monthly_dates, timeline
from supplywatch.alerts.model import Ladder


def thresholds(frames: Frames, ladder: Ladder) -> dict[str, tuple[float, float]]:
    """Level code -> (entry, exit), rounded to 0.1 point."""
    start, end = ladder.calibration.window
    scores = timeline(frames, monthly_dates(start, end), ladder)["score"].to_numpy()
    out = {}
    for lv in ladder.levels:
        q = ladder.calibration.quantiles[lv.code]
        entry = round(float(np.quantile(scores, q)), 1)
        out[lv.code] = (entry, round(entry - ladder.calibration.hysteresis_points, 1))
    return out
