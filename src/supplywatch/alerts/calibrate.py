"""Level thresholds by the documented rule in ladder.yml (quantiles of the scores of items in
the "scored" state over the calibration window; exit = entry - hysteresis). Never fitted to
individual events."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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


def price_threshold(z: np.ndarray, ladder: Ladder) -> float:
    """The detection floor's price z-score: the ladder's quantile of ``z`` (the monthly
    price-change z-scores of its price series over the calibration window), to 0.1."""
    z = z[np.isfinite(z)]
    return round(float(np.quantile(z, ladder.model.detection.price_quantile)), 1)


def model_block(name: str, fit: Any) -> str:
    """The ladder.yml lines of one fit (``split`` or ``production``)."""
    coefs = ", ".join(f"{k}: {v}" for k, v in fit.coefficients.items())
    return (
        f"  {name}:\n    lam: {fit.lam}\n    intercept: {fit.intercept}\n"
        f"    coefficients: {{{coefs}}}\n"
    )


def write_model(path: Path, fits: dict[str, Any]) -> None:
    """Replace the ``split`` and ``production`` fits in the ladder file (comments kept)."""
    text = path.read_text(encoding="utf-8")
    for name, fit in fits.items():
        pattern = re.compile(rf"^  {name}:\n(?:    .*\n){{3}}", re.MULTILINE)
        if not pattern.search(text):
            raise ValueError(f"{path}: no `model.{name}` block to replace")
        block = model_block(name, fit).replace("\\", "\\\\")
        text = pattern.sub(block, text, count=1)
    path.write_text(text, encoding="utf-8")
