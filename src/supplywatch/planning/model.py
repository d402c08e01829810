"""Inputs, assumptions and results of the stockpile planner (pydantic, validated)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from supplywatch.errors import DataError

ASSUMPTIONS_FILE = Path(__file__).resolve().parent / "data" / "assumptions.yml"
SIDES = ("KR", "JP")
HOLDERS = ("KR", "JP", "POOL")


class PoolRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    release_level: int = Field(ge=0, le=4)
    max_draw_share: float = Field(gt=0, le=1)
    lend_below_level: int = Field(ge=0, le=5)
    max_lend_share: float = Field(ge=0, le=1)


class Guards(BaseModel):
    """Plausibility limits on a plan (None = not applied)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_share_of_world_production: float | None = Field(default=None, gt=0, le=1)
    max_years_of_demand: float | None = Field(default=None, gt=0)


class Assumptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    probability_source: Literal["model", "level"] = "model"
    annual_probability_by_level: list[float] = Field(min_length=5, max_length=5)
    share_lost_factor: float = Field(gt=0, le=1)
    duration_days: list[int] = Field(min_length=1)
    duration_probability: list[float] = Field(min_length=1)
    price_shock: float = Field(ge=1)
    importance_default: float = Field(gt=0)
    importance: dict[str, float] = Field(default_factory=dict)
    holding_cost_share_per_year: float = Field(ge=0, le=1)
    horizon_days: int = Field(gt=0, le=3650)
    pool: PoolRules
    min_lot_t: float = Field(ge=0)
    guards: Guards = Field(default_factory=Guards)

    def importance_of(self, material_id: str) -> float:
        return self.importance.get(material_id, self.importance_default)

    @model_validator(mode="after")
    def _check(self) -> Assumptions:
        bad = {k: v for k, v in self.importance.items() if not v > 0}
        if bad:
            raise ValueError(f"importance: must be > 0 ({bad})")
        p = self.annual_probability_by_level
        if any(not 0 <= x < 1 for x in p) or p != sorted(p):
            raise ValueError("annual_probability_by_level: in [0, 1), increasing")
        if len(self.duration_days) != len(self.duration_probability):
            raise ValueError("duration_days and duration_probability differ in length")
        if abs(sum(self.duration_probability) - 1) > 1e-9:
            raise ValueError("duration_probability must sum to 1")
        if any(d <= 0 for d in self.duration_days):
            raise ValueError("duration_days must be > 0")
        return self


def load_assumptions(path: Path = ASSUMPTIONS_FILE) -> Assumptions:
    try:
        return Assumptions.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise DataError(str(path), f"invalid YAML: {exc}") from exc
    except ValueError as exc:
        raise DataError(str(path), f"invalid assumptions: {exc}") from exc


class MaterialInput(BaseModel):
    """One material as the planner sees it, for both sides (index 0 = KR, 1 = JP)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    material_id: str
    consumption_t_per_day: tuple[float, float] = Field(description="KR, JP")
    consumption_basis: tuple[str, str]
    unit_value_usd_per_t: float = Field(gt=0)
    unit_value_basis: str
    level: tuple[int, int] = Field(description="alert level KR (KOR), JP (JPN)")
    annual_probability: tuple[float | None, float | None] = Field(
        default=(None, None), description="risk model's 12-month probability, KR, JP"
    )
    cap_t: float | None = Field(default=None, ge=0, description="guard: most total stock")
    top_supplier: tuple[str | None, str | None]
    share_lost: tuple[float, float] = Field(description="share of consumption lost")
    importance: float = Field(gt=0, default=1.0)
    existing_t: tuple[float, float, float] = Field(default=(0.0, 0.0, 0.0))


class Scenario(BaseModel):
    """One disruption of one material (both sides may be hit, each with its share lost)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    material_id: str
    probability: float = Field(ge=0, le=1, description="over the horizon")
    duration_days: int
    share_lost: tuple[float, float]
    price_shock: float
