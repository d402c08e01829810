"""Schema of the item catalog files (items/data/*.yaml), validated on load."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Stage = Literal["extraction", "processing", "intermediate", "product"]
Revision = Literal["H0", "H1", "H2", "H3", "H4", "H5", "H6"]
Group = Literal[
    "rare_earth_light",
    "rare_earth_heavy",
    "battery_metal",
    "semiconductor_metal",
    "minor_metal",
    "ferroalloy_metal",
    "base_metal",
    "precious_metal",
    "industrial_mineral",
    "fertilizer",
    "specialty_gas",
    "semiconductor_chemical",
    "energy_material",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    en: str = Field(min_length=1)
    ko: str = Field(min_length=1)
    ja: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class HsEntry(_Strict):
    """An HS2022 subheading that carries the material."""

    code: str = Field(pattern=r"^[0-9]{6}$")
    stage: Stage
    form: str
    lumped_with: list[str] = []
    note: str | None = None
    #: Codes pinned for older revisions where the concordance cannot tell which of several
    #: merged codes carried the material (overrides the derivation from that revision down).
    pinned: dict[Revision, list[str]] = {}

    @field_validator("pinned")
    @classmethod
    def _codes_are_hs6(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for rev, codes in v.items():
            for c in codes:
                if len(c) != 6 or not c.isdigit():
                    raise ValueError(f"{rev}: {c!r} is not a 6-digit HS code")
        return v


class EolRir(_Strict):
    value: float | None = Field(default=None, ge=0, le=1)
    source: str | None = None


class ListClaim(_Strict):
    """Membership claim on a published list; ``status`` None means not known."""

    status: Literal["critical", "strategic", "listed", "not_listed"] | None = None
    source: str | None = None
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _source_for_claims(cls, v: str | None) -> str | None:
        return v


class Material(_Strict):
    material_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    symbol: str | None = None
    group: Group
    names: Names
    aliases: list[str] = []
    stages: list[Stage] = Field(min_length=1)
    hs2022: list[HsEntry] = []
    end_uses: list[str] = []
    wmd_commodity: str | None = None
    wmd_lumped: bool | None = None
    eol_rir: EolRir = EolRir()
    lists: dict[str, ListClaim] = {}
    notes: str | None = None


class PublishedList(_Strict):
    title: str
    publisher: str
    published_date: date | None = None
    url: str | None = None
    note: str | None = None
