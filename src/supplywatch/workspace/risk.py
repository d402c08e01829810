"""Risk-engine outputs from public data, ingest and scheduled re-evaluation checks."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from sqlalchemy import select

from supplywatch.access import Principal
from supplywatch.catalog import importers
from supplywatch.catalog.out import STATES
from supplywatch.clock import today
from supplywatch.state import db
from supplywatch.state.models import (
    AuditEntry,
    Evaluation,
)
from supplywatch.workspace.base import (
    Conflict,
    NotFound,
    Page,
    WorkspaceBase,
    _aware,
    page_of,
)

#: One ingest at a time in this process (two would both create the staging database).
_INGEST_LOCK = threading.Lock()


class RiskMixin(WorkspaceBase):
    def meta(self, _p: Principal) -> dict[str, Any]:
        """The vocabulary the dashboard needs (importers, organisations, levels, states) and
        today by the service's clock."""
        ladder = self.services.ladder()
        return {
            **importers.as_dict(),
            "today": today(self.clock).isoformat(),
            "levels": [
                {"level": i, "code": lv.code, "ko": lv.ko, "ja": lv.ja, "en": lv.en}
                for i, lv in enumerate(ladder.levels, start=1)
            ],
            "states": list(STATES),
            "ladder_version": ladder.version,
        }

    def items(self, _p: Principal, query: str | None, limit: int, offset: int) -> Page:
        rows = self._cached(
            ("items", query), lambda: [i.as_dict() for i in self.services.items(query)]
        )
        return page_of(rows, limit, offset)

    def item(self, _p: Principal, material_id: str) -> dict[str, Any]:
        for i in self.items(_p, None, 10_000, 0).items:
            if i["material_id"] == material_id:
                return i
        raise NotFound(f"unknown material {material_id!r}")

    def screen(
        self,
        _p: Principal,
        importer: str,
        as_of: date,
        items: str = "materials",
        limit: int = 50,
        offset: int = 0,
        states: list[str] | None = None,
    ) -> Page:
        rows = self._cached(
            ("screen", importer, as_of, items, tuple(states or ())),
            lambda: self.services.screen(importer, as_of, None, "duckdb", items, states),
        )
        return page_of(rows, limit, offset)

    def explain(self, _p: Principal, item: str, importer: str, as_of: date) -> dict[str, Any]:
        self.item(_p, item)
        out: dict[str, Any] = self._cached(
            ("explain", item, importer, as_of),
            lambda: self.services.explain(item, importer, as_of),
        )
        return out

    def value_chain(self, _p: Principal, item: str, importer: str, as_of: date) -> dict[str, Any]:
        """The sourced value chain downstream of a material, with the importer's imports of
        the downstream codes where the store has them (public data)."""
        self.item(_p, item)
        out: dict[str, Any] = self._cached(
            ("value_chain", item, importer, as_of),
            lambda: self.services.value_chain(item, importer, as_of),
        )
        return out

    def dependence(
        self, _p: Principal, item: str, importer: str, as_of: date, limit: int, offset: int
    ) -> Page:
        """Import dependence per year of one item and importer (out-layer rows)."""
        self.item(_p, item)
        rows = self._cached(
            ("dependence", item, importer, as_of),
            lambda: self.services.dependence(item, importer, as_of),
        )
        return page_of(rows, limit, offset)

    def production(self, _p: Principal, item: str, as_of: date) -> list[dict[str, Any]]:
        self.item(_p, item)
        out: list[dict[str, Any]] = self._cached(
            ("production", item, as_of), lambda: self.services.production(item, as_of)
        )
        return out

    def measures(
        self,
        _p: Principal,
        as_of: date,
        imposer: str | None,
        material: str | None,
        active: bool,
        limit: int,
        offset: int,
    ) -> Page:
        rows = self._cached(
            ("measures", as_of, imposer, material, active),
            lambda: self.services.measures(as_of, imposer, material, active),
        )
        return page_of(rows, limit, offset)

    def measure(self, _p: Principal, measure_id: str, as_of: date) -> dict[str, Any]:
        rows = self.measures(_p, as_of, None, None, False, 10_000, 0).items
        for r in rows:
            if r["measure_id"] == measure_id:
                return r
        raise NotFound(f"no measure {measure_id!r} known on {as_of}")

    def backtest_results(self, _p: Principal) -> dict[str, Any]:
        import json

        path = self.settings.backtest_results
        if not path.exists():
            raise NotFound(f"no back-test results at {path}; run `supplywatch backtest --out`")
        out: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return out

    def ingest(
        self, p: Principal, sources: list[str] | None = None, force: bool = False
    ) -> list[dict[str, Any]]:
        """Load the bundled snapshot (admin); the scheduler re-evaluates afterwards. One ingest
        at a time: a second one while the first runs is refused (Conflict, HTTP 409)."""
        p.require("admin")
        if not _INGEST_LOCK.acquire(blocking=False):
            with db.transaction(self.sessions) as s:
                self._audit(s, p, "store.ingest_refused", "store", "bundle", {"why": "running"})
            raise Conflict("an ingest is already running; try again when it has finished")
        try:
            res = self.services.ingest(sources, force=force)
        finally:
            _INGEST_LOCK.release()
        with db.transaction(self.sessions) as s:
            self._audit(s, p, "store.ingest", "store", "bundle", {"sources": len(res)})
        return [{"source": r.source, "status": r.status, "rows": r.rows} for r in res]

    def last_evaluation(self, p: Principal | None) -> dict[str, Any] | None:
        """The last evaluation; its changes are counted over the importers whose alerts ``p``
        sees (from the evaluation's per-organisation audit entries), never the total. ``p``
        None: the operator on the host (the scheduler, the CLI): every importer."""
        with self.sessions() as s:
            ev = s.scalar(select(Evaluation).order_by(Evaluation.id.desc()).limit(1))
            if ev is None:
                return None
            entries = s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "evaluation.finished",
                    AuditEntry.entity_id == str(ev.id),
                )
            )
            changes = sum(
                int(e.detail.get("changes", 0))
                for e in entries
                if p is None or p.can_see_alerts_of(str(e.detail.get("importer")))
            )
            return {
                "id": ev.id,
                "as_of": ev.as_of_date.isoformat(),
                "trigger": ev.trigger,
                "ladder_version": ev.ladder_version,
                "started_at": _aware(ev.started_at).isoformat(),
                "finished_at": _aware(ev.finished_at).isoformat() if ev.finished_at else None,
                "items": ev.n_items,
                "changes": changes,
            }
