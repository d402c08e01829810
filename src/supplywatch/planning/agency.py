"""The stockpile lists the agencies publish (KOMIR, JOGMEC, PPS): what each stores, in which
form, and its rule (target days of cover, funding order). Curated by hand from the agencies'
own pages, every row with its source (planning/data/agency_lists.yaml); validated on load:
an unknown material or HS code is an error naming the file, agency, row and field."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from supplywatch.catalog import yaml_lists
from supplywatch.errors import DataError

AGENCY_FILE = Path(__file__).resolve().parent / "data" / "agency_lists.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    en: str
    ko: str | None = None
    ja: str | None = None


class Rule(_Strict):
    target_days: float | None = Field(default=None, gt=0)
    target_days_note: str | None = None
    priority: list[str] | None = None
    priority_basis: str | None = None
    source_url: str | None = None
    source_kind: str | None = None
    quote: str | None = None


class AgencyItem(_Strict):
    material_id: str
    name_as_published: str | None = None
    stored_form: str | None = None
    form_basis: str | None = None
    hs2022: list[str] = Field(default_factory=list)
    source_url: str | None = None
    source_kind: str | None = None
    note: str | None = None


class NotInCatalog(_Strict):
    name_as_published: str
    note: str | None = None


class Agency(_Strict):
    agency_id: str
    name: Names
    side: Literal["KR", "JP"]
    program: str | None = None
    rule: Rule
    disclosure: str | None = None
    items: list[AgencyItem]
    not_in_catalog: list[NotInCatalog] = Field(default_factory=list)

    def funding_order(self) -> tuple[list[str], str]:
        """The agency's items in the order it funds them, and where that order comes from:
        its published priority first (then the rest of the list as published), else the list
        as published."""
        listed = list(dict.fromkeys(i.material_id for i in self.items))
        pr = self.rule.priority
        if pr:
            first = [m for m in pr if m in listed]
            return first + [m for m in listed if m not in first], (
                self.rule.priority_basis or "published priority"
            )
        return listed, "no published priority: the list's own order"


class AgencyLists(_Strict):
    version: str
    agencies: list[Agency]

    def by_id(self) -> dict[str, Agency]:
        return {a.agency_id: a for a in self.agencies}

    def materials(self, agencies: list[str] | None = None) -> list[str]:
        """Every material on the lists asked (default all), in list order, once."""
        chosen = [a for a in self.agencies if agencies is None or a.agency_id in agencies]
        return list(dict.fromkeys(i.material_id for a in chosen for i in a.items))

    def lists_of(self, material_id: str) -> list[str]:
        return [
            a.agency_id for a in self.agencies if any(i.material_id == material_id for i in a.items)
        ]

    def stored_codes(self, material_id: str) -> list[str]:
        """HS2022 codes of the form the agencies store the material in (union over lists)."""
        return sorted(
            {
                c
                for a in self.agencies
                for i in a.items
                if i.material_id == material_id
                for c in i.hs2022
            }
        )

    def stored_forms(self, material_id: str) -> list[str]:
        return sorted(
            {
                f"{a.agency_id}: {i.stored_form or 'form not published'}"
                for a in self.agencies
                for i in a.items
                if i.material_id == material_id
            }
        )


def load_agency_lists(
    path: Path = AGENCY_FILE,
    known_materials: set[str] | None = None,
    known_codes: set[str] | None = None,
) -> AgencyLists:
    """Parse and validate the agency lists; with ``known_materials``/``known_codes``, every
    material id and HS2022 code must be among them."""
    st = path.stat()
    lists = _load(path, st.st_mtime_ns, st.st_size)
    for a in lists.agencies:
        for n, it in enumerate(a.items, start=1):
            where = f"agency {a.agency_id}, item {n}"
            if known_materials is not None and it.material_id not in known_materials:
                raise DataError(
                    str(path),
                    f"{where}: unknown material",
                    column="material_id",
                    value=it.material_id,
                )
            for c in it.hs2022:
                if len(c) != 6 or not c.isdigit():
                    raise DataError(
                        str(path), f"{where}: not a 6-digit HS code", column="hs2022", value=c
                    )
                if known_codes is not None and c not in known_codes:
                    raise DataError(
                        str(path), f"{where}: not an HS2022 subheading", column="hs2022", value=c
                    )
        for m in a.rule.priority or []:
            if known_materials is not None and m not in known_materials:
                raise DataError(
                    str(path),
                    f"agency {a.agency_id}: rule.priority: unknown material",
                    column="priority",
                    value=m,
                )
    return lists


@functools.lru_cache(maxsize=4)
def _load(path: Path, _mtime_ns: int, _size: int) -> AgencyLists:
    return yaml_lists.read_document(path, AgencyLists)
