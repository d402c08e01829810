"""Risk-engine outputs from public data, ingest and scheduled re-evaluation checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from supplywatch.access import Principal
from supplywatch.state import db
from supplywatch.state.models import (
    Evaluation,
)
from supplywatch.workspace.base import (
    NotFound,
    Page,
    WorkspaceBase,
    _aware,
    _jsonable,
    page_of,
)


class RiskMixin(WorkspaceBase):
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
    ) -> Page:
        rows = self._cached(
            ("screen", importer, as_of, items),
            lambda: self.services.screen(importer, as_of, None, "duckdb", items),
        )
        return page_of(rows, limit, offset)

    def explain(self, _p: Principal, item: str, importer: str, as_of: date) -> dict[str, Any]:
        self.item(_p, item)
        out: dict[str, Any] = self._cached(
            ("explain", item, importer, as_of),
            lambda: self.services.explain(item, importer, as_of),
        )
        return out

    def dependence(self, _p: Principal, item: str, importer: str, limit: int, offset: int) -> Page:
        """Import dependence per year of one item and importer (indicator table rows)."""
        self.item(_p, item)
        fr = self._cached(("frames", importer), lambda: self.services.frames("duckdb", [importer]))
        d = fr.dep[(fr.dep["item_id"] == item) & (fr.dep["importer_id"] == importer)]
        d = d.sort_values("ref_year")
        return page_of([_jsonable(r) for r in d.to_dict("records")], limit, offset)

    def production(self, _p: Principal, item: str) -> list[dict[str, Any]]:
        self.item(_p, item)
        fr = self._cached(("frames", "KOR"), lambda: self.services.frames("duckdb", ["KOR"]))
        d = fr.prod[fr.prod["item_id"] == item].sort_values("ref_year")
        return [_jsonable(r) for r in d.to_dict("records")]

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
        """Load the bundled snapshot (admin); the scheduler re-evaluates afterwards."""
        p.require("admin")
        res = self.services.ingest(sources, force=force)
        with db.transaction(self.sessions) as s:
            self._audit(s, p, "store.ingest", "store", "bundle", {"sources": len(res)})
        return [{"source": r.source, "status": r.status, "rows": r.rows} for r in res]

    def last_evaluation(self, _p: Principal) -> dict[str, Any] | None:
        with self.sessions() as s:
            ev = s.scalar(select(Evaluation).order_by(Evaluation.id.desc()).limit(1))
            if ev is None:
                return None
            return {
                "id": ev.id,
                "as_of": ev.as_of_date.isoformat(),
                "trigger": ev.trigger,
                "ladder_version": ev.ladder_version,
                "started_at": _aware(ev.started_at).isoformat(),
                "finished_at": _aware(ev.finished_at).isoformat() if ev.finished_at else None,
                "items": ev.n_items,
                "changes": ev.n_changes,
            }
