"""Stocks (confidential to their organisation), consumption, targets, days of cover."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supplywatch import access
from supplywatch.access import AccessDenied, Principal
from supplywatch.catalog.importers import BLOC_ID, JOINT_ORG, ORGS
from supplywatch.clock import today
from supplywatch.services import plans as cov
from supplywatch.state import db
from supplywatch.state.models import (
    ConsumptionEntry,
    StockEntry,
    StockTarget,
)
from supplywatch.workspace.base import (
    SERVICE_IMPORTERS,
    InputError,
    Page,
    WorkspaceBase,
    _as_date,
    _aware,
    _end_of,
)


class StocksMixin(WorkspaceBase):
    def _known_items(self) -> set[str]:
        known: set[str] = self._cached(
            ("item_ids",), lambda: {i.material_id for i in self.services.items(None)}
        )
        return known

    def add_stocks(
        self, p: Principal, entries: list[dict[str, Any]], source: str = "api"
    ) -> list[int]:
        """Record stock levels for the principal's organisation: all entries or none."""
        p.require("analyst")
        errors = _check_stock_rows(entries, self._known_items(), today(self.clock))
        if errors:
            raise InputError(errors)
        at = self.clock.now()
        with db.transaction(self.sessions) as s:
            objs = [
                StockEntry(
                    org_code=p.org,
                    item_id=e["item_id"],
                    holder=e["holder"],
                    quantity_t=float(e["quantity_t"]),
                    as_of_date=_as_date(e["as_of_date"]),
                    source=source,
                    note=e.get("note"),
                    entered_by=p.username,
                    entered_at=at,
                )
                for e in entries
            ]
            s.add_all(objs)
            s.flush()
            self._audit(
                s,
                p,
                "stock.entered",
                "stock",
                ",".join(str(o.id) for o in objs)[:64],
                {"rows": len(objs), "source": source},
            )
            return [o.id for o in objs]

    def upload_stocks_csv(self, p: Principal, filename: str, content: bytes) -> list[int]:
        """CSV with columns item_id, holder, quantity_t, as_of_date[, note]; errors name the
        file, row (header = row 1) and column; nothing is stored unless every row is good."""
        p.require("analyst")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError([{"loc": [filename], "msg": f"not UTF-8: {exc}"}]) from exc
        reader = csv.DictReader(io.StringIO(text, newline=""))
        need = ["item_id", "holder", "quantity_t", "as_of_date"]
        st = self.settings
        rows: list[dict[str, Any]] = []
        try:
            header = [c.strip() for c in (reader.fieldnames or [])]
            if len(header) > st.max_csv_columns:
                raise InputError(
                    [
                        {
                            "loc": [filename, "row 1"],
                            "msg": f"{len(header)} columns; at most {st.max_csv_columns}",
                        }
                    ]
                )
            dup = sorted({c for c in header if header.count(c) > 1})
            if dup:  # csv.DictReader would keep the last one silently
                raise InputError(
                    [
                        {"loc": [filename, "row 1", c], "msg": "column appears more than once"}
                        for c in dup
                    ]
                )
            missing = [c for c in need if c not in header]
            if missing:
                raise InputError(
                    [{"loc": [filename, "row 1"], "msg": f"missing column(s) {', '.join(missing)}"}]
                )
            reader.fieldnames = header
            for r in reader:
                if len(rows) >= st.max_csv_rows:
                    raise InputError(
                        [
                            {
                                "loc": [filename, f"row {reader.line_num}"],
                                "msg": f"more than {st.max_csv_rows:,} rows; split the file",
                            }
                        ]
                    )
                if None in r:
                    raise InputError(
                        [{"loc": [filename, f"row {reader.line_num}"], "msg": "too many fields"}]
                    )
                rows.append({k: (v.strip() if isinstance(v, str) else v) for k, v in r.items()})
        except csv.Error as exc:
            raise InputError(
                [{"loc": [filename, f"row {reader.line_num}"], "msg": f"not valid CSV: {exc}"}]
            ) from exc
        errors = _check_stock_rows(rows, self._known_items(), today(self.clock))
        if errors:
            for e in errors:  # entries[i] -> the file's row i + 2 (header is row 1)
                loc = e["loc"]
                e["loc"] = (
                    [filename, f"row {int(loc[2]) + 2}", *loc[3:]] if len(loc) > 2 else [filename]
                )
            raise InputError(errors)
        return self.add_stocks(p, rows, source="csv")

    def stocks(self, p: Principal, limit: int, offset: int) -> Page:
        """Stock entries the principal may see: its organisation's and the joint pool's."""
        orgs = sorted({p.org, JOINT_ORG})
        with self.sessions() as s:
            q = select(StockEntry).where(StockEntry.org_code.in_(orgs))
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(
                q.order_by(StockEntry.as_of_date.desc(), StockEntry.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return Page([_stock_public(e) for e in rows], total, limit, offset)

    def add_consumption(
        self, p: Principal, item_id: str, tonnes_per_year: float, as_of: date, note: str | None
    ) -> int:
        p.require("analyst")
        if item_id not in self._known_items():
            raise InputError([{"loc": ["body", "item_id"], "msg": f"unknown item {item_id!r}"}])
        if not math.isfinite(tonnes_per_year) or tonnes_per_year <= 0:
            raise InputError([{"loc": ["body", "tonnes_per_year"], "msg": "must be > 0"}])
        with db.transaction(self.sessions) as s:
            c = ConsumptionEntry(
                org_code=p.org,
                item_id=item_id,
                tonnes_per_year=tonnes_per_year,
                as_of_date=as_of,
                note=note,
                entered_by=p.username,
                entered_at=self.clock.now(),
            )
            s.add(c)
            s.flush()
            self._audit(s, p, "consumption.entered", "consumption", str(c.id), {"item": item_id})
            return c.id

    def targets(self, p: Principal) -> list[dict[str, Any]]:
        orgs = sorted({p.org, JOINT_ORG})
        with self.sessions() as s:
            return [
                {
                    "org": t.org_code,
                    "item_id": t.item_id,
                    "target_days": t.target_days,
                    "basis": t.basis,
                    "updated_by": t.updated_by,
                    "updated_at": _aware(t.updated_at).isoformat(),
                }
                for t in s.scalars(
                    select(StockTarget)
                    .where(StockTarget.org_code.in_(orgs))
                    .order_by(StockTarget.org_code, StockTarget.item_id)
                )
            ]

    def set_target(
        self, p: Principal, item_id: str, target_days: float, basis: str
    ) -> dict[str, Any]:
        p.require("admin")
        if item_id != "*" and item_id not in self._known_items():
            raise InputError([{"loc": ["body", "item_id"], "msg": f"unknown item {item_id!r}"}])
        if not math.isfinite(target_days) or not 0 < target_days <= 3650:
            raise InputError([{"loc": ["body", "target_days"], "msg": "must be in (0, 3650]"}])
        with db.transaction(self.sessions) as s:
            t = s.scalar(
                select(StockTarget).where(
                    StockTarget.org_code == p.org, StockTarget.item_id == item_id
                )
            )
            if t is None:
                t = StockTarget(org_code=p.org, item_id=item_id)
                s.add(t)
            old = t.target_days
            t.target_days, t.basis, t.updated_by, t.updated_at = (
                target_days,
                basis,
                p.username,
                self.clock.now(),
            )
            s.flush()
            self._audit(
                s,
                p,
                "target.set",
                "target",
                f"{p.org}:{item_id}",
                {"from": old, "to": target_days},
            )
        return {"org": p.org, "item_id": item_id, "target_days": target_days, "basis": basis}

    def cover(self, p: Principal, importer: str, as_of: date | None = None) -> list[dict[str, Any]]:
        """Days of cover per item. KOR / JPN: the owning organisation only, in detail. BLOC:
        everyone, as aggregates (days of cover and gap; no organisation's tonnes)."""
        when = self.services.check_as_of(as_of or today(self.clock))
        if importer not in SERVICE_IMPORTERS:
            raise InputError([{"loc": ["query", "importer"], "msg": ", ".join(SERVICE_IMPORTERS)}])
        if importer != BLOC_ID and access.IMPORTER_ORG[importer] != p.org:
            raise AccessDenied(f"stocks of {importer} are confidential to its organisation")
        latest = self._latest_dependence(when)
        with self.sessions() as s:
            covers = self._covers(s, importer, when, latest)
        out = []
        for c in covers.values():
            row = _cover_evidence(c, importer, viewer=p.org)
            if importer != BLOC_ID:
                row["stock_t"] = c.stock_t
                row["by_holder_t"] = c.by_holder_t
            out.append({"item_id": c.item_id, **row})
        return sorted(out, key=lambda r: (r["cover_days"] is None, r["cover_days"] or 0))

    def _latest_dependence(self, when: date) -> dict[tuple[str, str], dict[str, Any]]:
        """(item, importer) -> the newest year of dependence known on ``when`` (cached)."""
        out: dict[tuple[str, str], dict[str, Any]] = self._cached(
            ("latest_dependence", when),
            lambda: {
                (str(r["item_id"]), str(r["importer_id"])): r
                for r in self.services.latest_dependence(when).to_dict("records")
            },
        )
        return out

    def _covers(
        self,
        s: Session,
        importer: str,
        when: date,
        latest: dict[tuple[str, str], dict[str, Any]],
        shared_stocks_only: bool = False,
    ) -> dict[str, cov.Cover]:
        """Cover of every item that has stock entries for the importer's organisation(s).
        ``shared_stocks_only`` (the bloc's level): only the stocks every organisation may see
        (the joint pool) and public consumption count, so a level that both sides see never
        moves with one side's confidential entries (decision 0007)."""
        orgs: tuple[str, ...] = ORGS if importer == BLOC_ID else (access.IMPORTER_ORG[importer],)
        stock_orgs = (JOINT_ORG,) if shared_stocks_only and importer == BLOC_ID else orgs
        levels = self._stock_levels(s, stock_orgs, when)
        items = sorted({k[1] for k in levels})
        tgt_org = JOINT_ORG if importer == BLOC_ID else orgs[0]
        targets = {
            t.item_id: (t.target_days, t.basis)
            for t in s.scalars(select(StockTarget).where(StockTarget.org_code == tgt_org))
        }
        # the bloc's shared level: public (apparent) consumption only, since entered
        # consumption is as confidential as stock
        shared = shared_stocks_only and importer == BLOC_ID
        entered = {} if shared else self._entered_consumption(s, orgs, when)
        out = {}
        for item in items:
            out[item] = cov.cover_for(
                item,
                levels,
                stock_orgs,
                self._consumption(latest, entered, importer, orgs, item),
                targets.get(item, targets.get("*", (None, None))),
            )
        return out

    @staticmethod
    def _stock_levels(
        s: Session, orgs: tuple[str, ...], when: date
    ) -> dict[tuple[str, str, str], float]:
        """Per (org, item, holder) of ``orgs``: the latest stock level known on ``when`` (the
        rows known then are chosen by the database and read as plain tuples, so the cost
        follows what is known, not every entry's object)."""
        e = StockEntry
        rows = s.execute(
            select(e.org_code, e.item_id, e.holder, e.quantity_t, e.as_of_date, e.entered_at)
            .where(e.org_code.in_(orgs), e.as_of_date <= when, e.entered_at < _end_of(when))
            .order_by(e.id)
        )
        return cov.latest_stocks(
            (cov.StockRecord(o, i, h, q, d, _aware(at)) for o, i, h, q, d, at in rows), when
        )

    @staticmethod
    def _entered_consumption(
        s: Session, orgs: tuple[str, ...], when: date
    ) -> dict[tuple[str, str], float]:
        c = ConsumptionEntry
        rows = s.execute(
            select(c.org_code, c.item_id, c.as_of_date, c.entered_at, c.tonnes_per_year)
            .where(c.org_code.in_(orgs), c.as_of_date <= when, c.entered_at < _end_of(when))
            .order_by(c.id)
        )
        return cov.latest_known(
            (((o, i), d, _aware(at), t) for o, i, d, at, t in rows),
            when,
        )

    @staticmethod
    def _consumption(
        latest: dict[tuple[str, str], dict[str, Any]],
        entered: dict[tuple[str, str], float],
        importer: str,
        orgs: tuple[str, ...],
        item: str,
    ) -> tuple[float | None, str | None]:
        national = [o for o in orgs if o != JOINT_ORG]
        if all((o, item) in entered for o in national):
            return sum(entered[(o, item)] for o in national), "entered"
        last = latest.get((item, importer))
        if last is None:
            return None, None
        v = last["apparent_consumption_t"]
        if v is None or pd.isna(v) or v <= 0:
            return None, None
        return float(v), f"apparent {int(last['ref_year'])}"


def _check_stock_rows(
    rows: list[dict[str, Any]], known: set[str], today: date
) -> list[dict[str, Any]]:
    """Field-level errors for stock rows (loc = ["body", index, field])."""
    errors: list[dict[str, Any]] = []
    if not rows:
        return [{"loc": ["body"], "msg": "no rows"}]
    for i, r in enumerate(rows):

        def bad(field: str, msg: str, i: int = i) -> None:
            errors.append({"loc": ["body", "entries", i, field], "msg": msg})

        if r.get("item_id") not in known:
            bad("item_id", f"unknown item {r.get('item_id')!r} (see /api/v1/items)")
        if r.get("holder") not in cov.HOLDERS:
            bad("holder", f"one of {', '.join(cov.HOLDERS)}")
        try:
            q = float(r.get("quantity_t"))  # type: ignore[arg-type]
            if not math.isfinite(q) or q < 0:
                bad("quantity_t", "must be a finite number >= 0")
        except (TypeError, ValueError):
            bad("quantity_t", f"not a number: {r.get('quantity_t')!r}")
        try:
            d = _as_date(r.get("as_of_date"))
            if d > today:
                bad("as_of_date", f"{d} is in the future")
        except ValueError:
            bad("as_of_date", f"not a date (YYYY-MM-DD): {r.get('as_of_date')!r}")
    return errors


def _stock_public(e: StockEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "org": e.org_code,
        "item_id": e.item_id,
        "holder": e.holder,
        "quantity_t": e.quantity_t,
        "as_of_date": e.as_of_date.isoformat(),
        "source": e.source,
        "note": e.note,
        "entered_by": e.entered_by,
        "entered_at": _aware(e.entered_at).isoformat(),
    }


def _cover_evidence(
    c: cov.Cover | None, importer: str, viewer: str | None = None
) -> dict[str, Any]:
    """Cover as evidence: national detail stays with its owner (the caller checks), the bloc
    shows only aggregates, and only to a viewer for whom at least two *other* national
    organisations contribute (decision 0007): a national viewer knows its own stock, so with
    one other contributor the aggregate minus its own would be the other's stock. ``viewer``
    None: the bloc level's evidence, built from shared stocks only."""
    if c is None:
        return {"status": "no data", "cover_days": None}
    others = set(c.orgs) - {JOINT_ORG} - ({viewer} if viewer else set())
    withheld = importer == BLOC_ID and len(others) < 2 and c.cover_days is not None
    if viewer is None and importer == BLOC_ID:
        withheld = False  # built from the joint pool only: visible to every organisation
    if withheld:
        status = "withheld: fewer than two national contributors besides the viewer's organisation"
    else:
        status = "ok" if c.cover_days is not None else "no data"
    return {
        "status": status,
        "cover_days": None if c.cover_days is None or withheld else round(c.cover_days, 1),
        "target_days": c.target_days,
        "target_basis": c.target_basis,
        "gap_days": None if c.gap_days is None or withheld else round(c.gap_days, 1),
        "consumption_basis": c.consumption_basis,
        "contributing_orgs": list(c.orgs) if importer == BLOC_ID else None,
    }
