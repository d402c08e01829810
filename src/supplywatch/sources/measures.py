"""The supply-measures registry (data/measures/*.yaml, and confirmed events from the review
queue): schema, validation and the rows of the core_measures__* tables.

Every failure names the file, the measure (as ``row``: the YAML line where it starts), the
field and the value. Codes are kept as printed; the HS6 prefix of each is checked against the
HS revision in force when the measure was published, unless the row flags the code as a typo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from supplywatch.catalog import yaml_lists
from supplywatch.catalog.countries import countries
from supplywatch.errors import DataError
from supplywatch.sources.hs import REVISIONS

MeasureType = Literal[
    "export_licence",
    "export_ban",
    "quota",
    "export_tax",
    "inspection",
    "certification",
    "de_facto_halt",
    "technology_ban",
    "extraterritorial",
    "production_halt",
    "relaxation",
    "suspension",
    "repeal",
]
CONTROLS = (
    "export_licence",
    "export_ban",
    "quota",
    "export_tax",
    "inspection",
    "certification",
    "de_facto_halt",
    "technology_ban",
    "extraterritorial",
    "production_halt",
)
SourceKind = Literal["official", "official-capture", "translation", "news"]
Status = Literal["suspended", "resumed", "lifted", "repealed", "expired", "replaced"]
Relation = Literal["suspends", "lifts", "amends", "expands", "replaces"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Code(_Strict):
    code: str = Field(min_length=4, max_length=12)
    typo: bool = False
    note: str | None = None


class Clause(_Strict):
    clause_id: str = Field(min_length=1, max_length=40)
    item_group: str | None = None
    measure_type: MeasureType
    effective: date | None = None
    materials: list[str] = []
    codes: list[Code] = []
    quantity: str | None = None
    note: str | None = None


class StatusChange(_Strict):
    status: Status
    announced: date | None = None
    from_: date = Field(alias="from")
    to: date | None = None
    by: str | None = None
    source_url: str | None = None
    source_kind: SourceKind | None = None
    note: str | None = None


class Link(_Strict):
    """An earlier measure this one acts on. With ``from`` (and ``to`` for a suspension), the
    link also changes that measure's status from that day, known from this measure's own
    date: a confirmed notice that suspends or lifts an earlier one needs no edit of it."""

    measure_id: str
    relation: Relation
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None


#: The status a link sets on the measure it acts on (links with a ``from`` date).
LINK_STATUS = {"suspends": "suspended", "lifts": "lifted", "replaces": "replaced"}


class Review(_Strict):
    """How a measure confirmed in the service's review queue got there: the notice it was
    read from (its text is kept beside the registry file) and who confirmed it."""

    candidate_id: int
    notice_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    notice_file: str | None = None
    submitted_by_org: str | None = None
    confirmed_by_org: str
    confirmed_on: date

    def as_text(self) -> str:
        by = self.submitted_by_org or "a connector"
        return (
            f"review-queue candidate {self.candidate_id} (found by {by}), confirmed by "
            f"{self.confirmed_by_org} on {self.confirmed_on}; notice sha256 {self.notice_sha256}"
        )


class Measure(_Strict):
    measure_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    imposer: str
    issuers: list[str] = []
    legal_reference: str | None = None
    title: str | None = None
    language: str | None = None
    published: date | None = None
    first_reported: date | None = None
    targets: list[str] = Field(min_length=1)
    source_url: str = Field(min_length=8)
    source_kind: SourceKind
    quote: str | None = Field(default=None, max_length=400)
    links: list[Link] = []
    status: list[StatusChange] = []
    note: str | None = None
    review: Review | None = None
    clauses: list[Clause] = Field(min_length=1)

    @property
    def available(self) -> date:
        """When the measure became known: its publication, or its first public report."""
        known = self.published or self.first_reported
        assert known is not None  # checked on load
        return known


@dataclass
class Registry:
    """The validated measures and where each came from (file, line)."""

    measures: list[Measure] = field(default_factory=list)
    origin: dict[str, tuple[str, int | None]] = field(default_factory=dict)


def hs_revision_on(day: date) -> str:
    """The HS revision in force on ``day`` (H0 before 1996)."""
    by_year = sorted(((year, rev) for rev, (_name, year) in REVISIONS.items()), reverse=True)
    return next((rev for year, rev in by_year if day.year >= year), "H0")


def hs_reference(path: Path) -> dict[str, set[str]]:
    """Revision -> HS6 codes, from the UN product lists (the bundled hs file)."""
    import csv

    names = {name: rev for rev, (name, _year) in REVISIONS.items()}
    out: dict[str, set[str]] = {rev: set() for rev in REVISIONS}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rev = names.get(r["classification"])
            code = r["id"]
            if rev and len(code) == 6 and code.isdigit():
                out[rev].add(code)
    return out


def load_registry(
    files: list[Path],
    materials: set[str],
    hs_codes: dict[str, set[str]] | None = None,
) -> Registry:
    """Parse and validate every registry file; ``hs_codes``: revision -> HS6 codes (checks
    each printed code's HS6 prefix; None skips that check)."""
    reg = Registry()
    for path in sorted(files):
        for item, line in yaml_lists.read_list(path, "measures", empty_ok=True):
            m = yaml_lists.validate(Measure, item, path, line)
            if m.measure_id in reg.origin:
                first = reg.origin[m.measure_id]
                raise DataError(
                    str(path),
                    f"duplicated measure_id (first in {first[0]} line {first[1]})",
                    row=line,
                    column="measure_id",
                    value=m.measure_id,
                )
            reg.origin[m.measure_id] = (str(path), line)
            reg.measures.append(m)
    _check(reg, materials, hs_codes)
    return reg


def _check(reg: Registry, materials: set[str], hs_codes: dict[str, set[str]] | None) -> None:
    known_countries = set(countries())
    ids = set(reg.origin)
    for m in reg.measures:
        file, line = reg.origin[m.measure_id]

        def bad(
            column: str, message: str, value: object, file: str = file, line: int | None = line
        ) -> DataError:
            return DataError(file, message, row=line, column=column, value=str(value))

        if m.published is None and m.first_reported is None:
            raise bad("published", "a measure needs published or first_reported", m.measure_id)
        if m.imposer not in known_countries:
            raise bad("imposer", "unknown country code (ISO3)", m.imposer)
        for t in m.targets:
            if t != "ALL" and t not in known_countries:
                raise bad("targets", "unknown country code (ISO3 or ALL)", t)
        for k, link in enumerate(m.links):
            if link.measure_id not in ids:
                raise bad(f"links.{k}.measure_id", "links to an unknown measure", link.measure_id)
            if link.measure_id == m.measure_id:
                raise bad(f"links.{k}.measure_id", "a measure cannot act on itself", m.measure_id)
            if link.from_ is not None:
                if link.relation not in LINK_STATUS:
                    raise bad(
                        f"links.{k}.from",
                        f"only {', '.join(LINK_STATUS)} change a status (relation "
                        f"{link.relation!r} takes no dates)",
                        link.from_,
                    )
                if link.from_ < m.available:
                    raise bad(
                        f"links.{k}.from",
                        f"before the measure was known ({m.available})",
                        link.from_,
                    )
                if link.relation == "suspends" and link.to is None:
                    raise bad(f"links.{k}.to", "a suspension needs its end date (to)", None)
                if link.to is not None and link.to < link.from_:
                    raise bad(f"links.{k}.to", f"before its own start ({link.from_})", link.to)
            elif link.to is not None:
                raise bad(f"links.{k}.from", "a link with an end date needs its start", None)
        previous = m.available
        for k, s in enumerate(m.status):
            if s.from_ < m.available:
                raise bad(
                    f"status.{k}.from", f"before the measure was known ({m.available})", s.from_
                )
            if s.from_ < previous:
                raise bad(f"status.{k}.from", "status changes out of date order", s.from_)
            if s.to is not None and s.to < s.from_:
                raise bad(f"status.{k}.to", f"before its own start ({s.from_})", s.to)
            if s.status == "suspended" and s.to is None:
                raise bad(f"status.{k}.to", "a suspension needs its end date (to)", None)
            if s.by is not None and s.by not in ids:
                raise bad(f"status.{k}.by", "a status change by an unknown measure", s.by)
            previous = s.from_
        for c in m.clauses:
            where = f"clauses.{c.clause_id}"
            if c.effective is not None and m.published is not None and c.effective < m.published:
                raise bad(f"{where}.effective", f"before publication ({m.published})", c.effective)
            for mat in c.materials:
                if mat not in materials:
                    raise bad(
                        f"{where}.materials", "unknown material (see `supplywatch items`)", mat
                    )
            for code in c.codes:
                digits = code.code.replace(".", "")
                if code.typo:
                    continue
                if not digits.isdigit() or len(digits) not in (6, 8, 10):
                    raise bad(
                        f"{where}.codes",
                        "not a 6-, 8- or 10-digit tariff code (typo: true if printed so)",
                        code.code,
                    )
                if hs_codes is not None:
                    rev = hs_revision_on(m.available)
                    if digits[:6] not in hs_codes.get(rev, set()):
                        raise bad(
                            f"{where}.codes",
                            f"HS6 {digits[:6]} is not a code of {rev} (in force when published)",
                            code.code,
                        )


def rows(reg: Registry) -> dict[str, list[tuple[Any, ...]]]:
    """Rows of the core_measures__* tables (without lineage columns)."""
    out: dict[str, list[tuple[Any, ...]]] = {
        "measures": [],
        "clauses": [],
        "clause_materials": [],
        "clause_codes": [],
        "status_events": [],
        "links": [],
    }
    for m in reg.measures:
        avail = m.available
        out["measures"].append(
            (
                m.measure_id,
                m.imposer,
                ";".join(m.issuers) or None,
                m.legal_reference,
                m.title,
                m.language,
                m.published,
                m.first_reported,
                ";".join(m.targets),
                m.source_url,
                m.source_kind,
                m.quote,
                m.note,
                None if m.review is None else m.review.as_text(),
                avail,
            )
        )
        for c in m.clauses:
            cls = "control" if c.measure_type in CONTROLS else "relaxation"
            out["clauses"].append(
                (
                    m.measure_id,
                    c.clause_id,
                    c.item_group,
                    c.measure_type,
                    cls,
                    c.effective,
                    c.quantity,
                    c.note,
                    avail,
                )
            )
            for mat in dict.fromkeys(c.materials):
                out["clause_materials"].append((m.measure_id, c.clause_id, mat, avail))
            rev = hs_revision_on(avail)
            for code in {x.code: x for x in c.codes}.values():
                digits = code.code.replace(".", "")
                hs6 = (
                    digits[:6]
                    if digits[:6].isdigit() and len(digits) >= 6 and not code.typo
                    else None
                )
                out["clause_codes"].append(
                    (m.measure_id, c.clause_id, code.code, code.typo, rev, hs6, code.note, avail)
                )
        for link in m.links:
            out["links"].append((m.measure_id, link.measure_id, link.relation, avail))
    out["status_events"] = _status_events(reg)
    return out


def _status_events(reg: Registry) -> list[tuple[Any, ...]]:
    """Each measure's status changes: its own, and those set by later measures' dated links
    (unless its own already records a change by that measure), in date order."""
    by_id = {m.measure_id: m for m in reg.measures}
    events: dict[str, list[tuple[Any, ...]]] = {
        m.measure_id: [
            (
                s.from_,
                s.status,
                s.to,
                s.by,
                s.source_url,
                s.source_kind,
                s.note,
                s.announced or s.from_,
            )
            for s in m.status
        ]
        for m in reg.measures
    }
    for m in reg.measures:
        for link in m.links:
            if link.from_ is None:
                continue
            target = by_id[link.measure_id]
            if any(s.by == m.measure_id for s in target.status):
                continue  # recorded on the target itself
            events[link.measure_id].append(
                (
                    link.from_,
                    LINK_STATUS[link.relation],
                    link.to,
                    m.measure_id,
                    m.source_url,
                    m.source_kind,
                    f"set by {m.measure_id} ({link.relation})",
                    m.available,
                )
            )
    out = []
    for mid, evs in events.items():
        for k, e in enumerate(sorted(evs, key=lambda e: (e[0], e[7])), start=1):
            out.append((mid, k, e[1], e[0], e[2], e[3], e[4], e[5], e[6], e[7]))
    return out
