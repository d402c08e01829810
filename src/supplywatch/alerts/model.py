"""The alert configuration (ladder.yml), validated."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from supplywatch.catalog.out import FACTORS
from supplywatch.errors import DataError

LADDER_FILE = Path(__file__).resolve().parent / "ladder.yml"


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    ko: str
    ja: str
    en: str
    entry: float = Field(ge=0, le=100)
    exit: float = Field(ge=0, le=100)


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    window: tuple[date, date]
    quantiles: dict[str, float]
    hysteresis_points: float = Field(ge=0)


class StockCover(BaseModel):
    """How days of cover against the target moves a level (one step up or down)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    escalate_below: float = Field(gt=0, le=1)
    deescalate_at: float = Field(gt=0)

    def adjust(self, level: int, cover_days: float | None, target_days: float | None) -> int:
        """The level after stocks: unchanged without cover or target data."""
        if cover_days is None or target_days is None or target_days <= 0:
            return level
        ratio = cover_days / target_days
        if ratio < self.escalate_below and level >= 1:
            return min(level + 1, 4)
        if ratio >= self.deescalate_at:
            return max(level - 1, 0)
        return level


class MeasureFloor(BaseModel):
    """An active supply measure by a supplier this large a share of the importer's supply
    lifts the item to at least this level."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min_exposure_share: float = Field(gt=0, le=1)
    level: int = Field(ge=1, le=4)


class ModelFit(BaseModel):
    """The time split the risk model is fitted on (alerts/riskmodel.py, the documented rule)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: date
    select_end: date
    fit_end: date
    validate_start: date
    validate_end: date
    production_end: date
    lambdas: tuple[float, ...]

    @model_validator(mode="after")
    def _order(self) -> ModelFit:
        if not (self.start < self.select_end < self.fit_end < self.validate_start):
            raise ValueError("fit dates must run start < select_end < fit_end < validate_start")
        if self.validate_end <= self.validate_start:
            raise ValueError("validate_end must follow validate_start")
        if self.production_end < self.fit_end:
            raise ValueError("production_end must not precede fit_end")
        if not self.lambdas or any(v <= 0 for v in self.lambdas):
            raise ValueError("lambdas must be > 0")
        return self


class Coefficients(BaseModel):
    """One fit of the risk model: regularisation, intercept and a coefficient per feature."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lam: float = Field(gt=0)
    intercept: float
    coefficients: dict[str, float]

    @model_validator(mode="after")
    def _check(self) -> Coefficients:
        from supplywatch.alerts.riskmodel import FEATURES, FREE

        if set(self.coefficients) != set(FEATURES):
            raise ValueError(f"coefficients must name exactly {FEATURES}")
        for f, c in self.coefficients.items():
            if f not in FREE and c < 0:
                raise ValueError(f"coefficient of {f} must be >= 0 (monotone)")
        return self


class Detection(BaseModel):
    """Detection, not prediction: a disruption already under way shows in the newest monthly
    figures before any yearly release or notice. A fresh monthly trade signal of at least the
    model's ``event_signal_share``, or a price rise whose z-score (largest of the last three
    known months) is at least ``price_z``, holds the level at ``level`` or above while fresh.
    ``price_z`` is the ``price_quantile`` of the monthly price z-scores of the ladder's price
    series over the calibration window (alerts/calibrate.price_threshold)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    level: int = Field(ge=1, le=4)
    price_z: float = Field(gt=0)
    price_quantile: float = Field(gt=0, lt=1)


class RiskModel(BaseModel):
    """The fitted risk model and the probability bands of the levels."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    momentum_window_days: int = Field(gt=0)
    momentum_saturation: int = Field(gt=0)
    fit: ModelFit
    split: Coefficients
    production: Coefficients
    bands: dict[str, float]
    exit_ratio: float = Field(gt=0, le=1)
    persist_up_days: int = Field(ge=0)
    persist_down_days: int = Field(ge=0)
    event_signal_share: float = Field(gt=0, le=1)
    detection: Detection

    @model_validator(mode="after")
    def _check(self) -> RiskModel:
        if any(not 0 < v < 1 for v in self.bands.values()):
            raise ValueError("bands must be probabilities between 0 and 1")
        return self


class Ladder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    neutral: float = Field(ge=0, le=1)
    history_start: date
    max_trade_age_days: int = Field(gt=0)
    max_production_age_days: int = Field(gt=0)
    max_price_age_days: int = Field(gt=0)
    max_monthly_trade_age_days: int = Field(gt=0)
    min_import_kusd: float = Field(ge=0)
    weights: dict[str, float]
    price_series: dict[str, str]
    calibration: Calibration
    levels: list[Level]
    stock_cover: StockCover
    measure_floor: MeasureFloor
    model: RiskModel

    @model_validator(mode="after")
    def _check(self) -> Ladder:
        if set(self.weights) != set(FACTORS):
            raise ValueError(f"weights must name exactly {FACTORS}")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("weights must be >= 0 and not all zero")
        entries = [lv.entry for lv in self.levels]
        if entries != sorted(entries):
            raise ValueError("level entry thresholds must increase")
        for lv in self.levels:
            if lv.exit > lv.entry:
                raise ValueError(f"{lv.code}: exit above entry")
        if set(self.model.bands) != {lv.code for lv in self.levels}:
            raise ValueError("model bands must name every level")
        b = self.band_values()
        if b != sorted(b) or len(set(b)) != len(b):
            raise ValueError("model bands must increase with the level")
        return self

    def band_values(self) -> list[float]:
        """The probability bands in level order (attention .. critical)."""
        return [self.model.bands[lv.code] for lv in self.levels]

    def level_name(self, level: int, lang: str = "ko") -> str:
        """The level's name in ``lang`` (ko, ja, en); "-" for no level."""
        if level == 0:
            return "-"
        return str(getattr(self.levels[level - 1], lang))


def load_ladder(path: Path = LADDER_FILE) -> Ladder:
    """Parse and validate the ladder file; errors name the file and field. Parsed once per
    version of the file (its modification time and size), so an edit is picked up."""
    st = path.stat()
    return _load_ladder(path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8)
def _load_ladder(path: Path, _mtime_ns: int, _size: int) -> Ladder:
    try:
        return Ladder.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise DataError(str(path), f"invalid YAML: {exc}") from exc
    except ValueError as exc:
        raise DataError(str(path), f"invalid ladder: {exc}") from exc
