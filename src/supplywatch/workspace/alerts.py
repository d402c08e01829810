"""Evaluation (levels -> alerts, deduplicated), the alert lifecycle and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from supplywatch import access
from supplywatch.access import IMPORTER_ORG, AccessDenied, Principal, audit_orgs
from supplywatch.clock import aware, today
from supplywatch.services import Ladder
from supplywatch.services import plans as cov
from supplywatch.state import db
from supplywatch.state.models import (
    Alert,
    AuditEntry,
    Evaluation,
    ItemLevel,
)
from supplywatch.workspace.base import (
    SERVICE_IMPORTERS,
    SYSTEM,
    Conflict,
    NotFound,
    Page,
    _alert_public,
    _audit_public,
    _end_of,
    _f,
)
from supplywatch.workspace.stocks import StocksMixin, _cover_evidence
from supplywatch.workspace.watch import WatchMixin
from supplywatch.workspace.webhooks import WebhooksMixin


class AlertsMixin(StocksMixin, WebhooksMixin, WatchMixin):
    def evaluate(self, trigger: str = "manual", as_of: date | None = None) -> dict[str, Any]:
        """Run the risk engine for KOR, JPN and BLOC, apply days of cover, and turn level
        changes into alerts (deduplicated), audit entries and webhook deliveries."""
        with self._eval_lock:
            return self._evaluate_locked(trigger, as_of)

    def evaluate_as(self, p: Principal, trigger: str = "manual") -> dict[str, Any]:
        """An evaluation run for a signed-in user; the changes counted are those of the
        importers whose alerts ``p`` sees (the other side's count would tell its stock-driven
        changes)."""
        out = self.evaluate(trigger=trigger)
        by = out.pop("changes_by_importer")
        out["changes"] = sum(n for imp, n in by.items() if p.can_see_alerts_of(imp))
        return out

    def _evaluate_locked(self, trigger: str, as_of: date | None) -> dict[str, Any]:
        when = as_of or today(self.clock)
        ladder = self.services.ladder()
        fp = self.services.store_fingerprint()
        started = self.clock.now()
        now = self._cached(("levels", when), lambda: self.services.current_levels(when))
        last = self._cached(("changes", when), lambda: self.services.last_changes(when))
        latest = self._latest_dependence(when)
        snaps = self.services.snapshot_ids()
        steps = {(r["item_id"], r["importer_id"]): r for r in last.to_dict("records")}
        changes = 0
        with db.transaction(self.sessions) as s:
            prev = s.scalar(
                select(Evaluation.as_of_date)
                .where(Evaluation.finished_at.is_not(None))
                .order_by(Evaluation.id.desc())
                .limit(1)
            )
            ev = Evaluation(
                as_of_date=when,
                store_fingerprint=fp,
                ladder_version=ladder.version,
                trigger=trigger,
                started_at=started,
            )
            s.add(ev)
            s.flush()
            covers = {
                imp: self._covers(s, imp, when, latest, shared_stocks_only=True)
                for imp in SERVICE_IMPORTERS
            }
            rows = sorted(now.to_dict("records"), key=lambda r: (r["item_id"], r["importer_id"]))
            by_importer = dict.fromkeys(SERVICE_IMPORTERS, 0)
            for r in rows:
                step = steps.get((r["item_id"], r["importer_id"]))
                n = self._apply_level(s, ev, ladder, snaps, r, step, covers[r["importer_id"]], when)
                by_importer[r["importer_id"]] += n
                changes += n
            if prev is not None and prev < when:  # measures that became known since then
                self._notify_measures(s, prev, when)
            ev.n_items = len(rows)
            ev.n_changes = changes
            ev.finished_at = self.clock.now()
            # one entry per organisation, with its importer's count only: a total would let
            # one side subtract its own changes and learn the other's (stock-driven) ones
            for imp, n in by_importer.items():
                self._audit(
                    s,
                    None,
                    "evaluation.finished",
                    "evaluation",
                    str(ev.id),
                    {"trigger": trigger, "as_of": when.isoformat(), "importer": imp, "changes": n},
                    org=IMPORTER_ORG[imp],
                )
            eid = ev.id
        return {
            "evaluation_id": eid,
            "as_of": when.isoformat(),
            "items": len(rows),
            "changes": changes,
            "changes_by_importer": by_importer,
        }

    def _apply_level(
        self,
        s: Session,
        ev: Evaluation,
        ladder: Ladder,
        snaps: dict[str, str],
        now: dict[str, Any],
        step: dict[str, Any] | None,
        covers: dict[str, cov.Cover],
        when: date,
    ) -> int:
        item, imp = str(now["item_id"]), str(now["importer_id"])
        engine_level = int(now["alert_level"])
        c = covers.get(item)
        level = ladder.stock_cover.adjust(
            engine_level, c.cover_days if c else None, c.target_days if c else None
        )
        engine_since = pd.Timestamp(now["level_since_date"]).date()
        state = s.get(ItemLevel, (item, imp))
        prev = state.level if state else 0
        if state is not None and state.level == level and state.engine_level == engine_level:
            state.score = _f(now["score_points"])
            state.evaluation_id = ev.id
            return 0
        # The date of the change: the engine's own step, or today when stocks moved it.
        moved_by_engine = state is None or state.engine_level != engine_level
        changed_on = engine_since if moved_by_engine else when
        if state is None:
            state = ItemLevel(item_id=item, importer_id=imp)
            s.add(state)
        state.level, state.engine_level, state.score = level, engine_level, _f(now["score_points"])
        state.since_date, state.evaluation_id = changed_on, ev.id
        if level == prev:
            return 0
        at = self.clock.now()
        why = (
            f"{now['item_state_code']}: {now.get('state_reason_text')}"
            if now["item_state_code"] in {"stale", "no_data"}
            else f"level {level} since {changed_on}"
        )
        for a in s.scalars(
            select(Alert).where(
                Alert.item_id == item,
                Alert.importer_id == imp,
                Alert.status != "resolved",
                Alert.level != level,
            )
        ):
            a.status, a.open_key = "resolved", None
            a.resolved_by, a.resolved_at, a.updated_at = SYSTEM, at, at
            a.resolve_comment = f"superseded: {why}"
            self._audit(
                s,
                None,
                "alert.superseded",
                "alert",
                str(a.id),
                {"to_level": level, "state": now["item_state_code"]},
                org=IMPORTER_ORG[imp],
            )
        if level == 0:
            return 1
        evidence = self.services.evidence(step if step is not None else now, snaps)
        evidence["engine_level"] = engine_level
        evidence["stock_cover"] = _cover_evidence(c, imp)
        key = f"{item}|{imp}|{level}"
        open_a = s.scalar(select(Alert).where(Alert.open_key == key))
        if open_a is not None:
            open_a.occurrences += 1
            open_a.updated_at = at
            self._audit(
                s,
                None,
                "alert.repeated",
                "alert",
                str(open_a.id),
                {"on": str(changed_on)},
                org=IMPORTER_ORG[imp],
            )
            return 1
        same = s.scalar(
            select(Alert).where(
                Alert.item_id == item,
                Alert.importer_id == imp,
                Alert.level == level,
                Alert.changed_on_date == changed_on,
            )
        )
        if same is not None:  # raised before and resolved by a person: not raised again
            return 1
        a = Alert(
            item_id=item,
            importer_id=imp,
            level=level,
            previous_level=prev,
            score=_f(now["score_points"]),
            changed_on_date=changed_on,
            status="new",
            open_key=key,
            occurrences=1,
            created_at=at,
            updated_at=at,
            evidence=evidence,
            ladder_version=ladder.version,
            evaluation_id=ev.id,
        )
        s.add(a)
        s.flush()
        self._audit(
            s,
            None,
            "alert.raised",
            "alert",
            str(a.id),
            {"level": level, "previous": prev},
            org=IMPORTER_ORG[imp],
        )
        self._queue_webhooks(s, a, ladder)
        sup = now.get("top_supplier_id_iso3")
        self._notify_alert(s, a, ladder, None if sup is None or pd.isna(sup) else str(sup))
        return 1

    def evaluate_if_changed(self) -> dict[str, Any] | None:
        """Re-evaluate when the store changed since the last evaluation (a new ingest)."""
        with self._eval_lock:  # checked under the lock: two watchers never evaluate twice
            fp = self.services.store_fingerprint()
            if fp == "empty":
                return None
            with self.sessions() as s:
                last = s.scalar(
                    select(Evaluation.store_fingerprint)
                    .where(Evaluation.finished_at.is_not(None))
                    .order_by(Evaluation.id.desc())
                    .limit(1)
                )
            if last == fp:
                return None
            return self._evaluate_locked("ingest", None)

    def alerts(
        self,
        p: Principal,
        status: str | None = None,
        importer: str | None = None,
        level: int | None = None,
        limit: int = 50,
        offset: int = 0,
        as_of: date | None = None,
    ) -> Page:
        """The alert board. ``as_of``: the board as it stood at the end of that day (UTC):
        only alerts raised by then, each with its status, actions and repeats then (their
        timestamps are the point-in-time rule of service state); ``status`` filters on the
        status then."""
        scope = access.ALERT_SCOPE[p.org]
        if importer is not None and importer not in scope:
            raise AccessDenied(f"{p.org} does not see alerts of {importer}")
        q = select(Alert).where(Alert.importer_id.in_(sorted(scope)))
        status_col: Any = Alert.status
        cut = None
        if as_of is not None:
            cut = _end_of(self.services.check_as_of(as_of))
            q = q.where(Alert.created_at < cut)
            status_col = case(
                (Alert.resolved_at < cut, "resolved"),
                (Alert.acknowledged_at < cut, "acknowledged"),
                else_="new",
            )
        if status is not None:
            q = q.where(status_col == status)
        if importer is not None:
            q = q.where(Alert.importer_id == importer)
        if level is not None:
            q = q.where(Alert.level == level)
        with self.sessions() as s:
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(
                q.order_by(Alert.level.desc(), Alert.changed_on_date.desc(), Alert.id)
                .limit(limit)
                .offset(offset)
            ).all()
            ladder = self.services.ladder()
            if cut is None:
                return Page([_alert_public(a, ladder) for a in rows], total, limit, offset)
            repeats = {
                str(r[0]): (int(r[1]), aware(r[2]))
                for r in s.execute(
                    select(AuditEntry.entity_id, func.count(), func.max(AuditEntry.at))
                    .where(
                        AuditEntry.entity == "alert",
                        AuditEntry.action == "alert.repeated",
                        AuditEntry.entity_id.in_([str(a.id) for a in rows]),
                        AuditEntry.at < cut,
                    )
                    .group_by(AuditEntry.entity_id)
                )
            }
            items = [_alert_then(a, ladder, cut, repeats.get(str(a.id))) for a in rows]
            return Page(items, total, limit, offset)

    def alert(self, p: Principal, alert_id: int) -> dict[str, Any]:
        with self.sessions() as s:
            a = self._visible_alert(s, p, alert_id)
            out = _alert_public(a, self.services.ladder())
            out["evidence"] = a.evidence
            out["audit"] = [
                _audit_public(e)
                for e in s.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.entity == "alert", AuditEntry.entity_id == str(alert_id))
                    .order_by(AuditEntry.id)
                )
            ]
            return out

    def _visible_alert(self, s: Session, p: Principal, alert_id: int) -> Alert:
        a = s.get(Alert, alert_id)
        if a is None or not p.can_see_alerts_of(a.importer_id):
            raise NotFound(f"alert {alert_id}")
        return a

    def acknowledge(self, p: Principal, alert_id: int, comment: str | None) -> dict[str, Any]:
        return self._transition(p, alert_id, "acknowledged", comment)

    def resolve(self, p: Principal, alert_id: int, comment: str | None) -> dict[str, Any]:
        return self._transition(p, alert_id, "resolved", comment)

    def _transition(
        self, p: Principal, alert_id: int, to: str, comment: str | None
    ) -> dict[str, Any]:
        p.require("analyst")
        with db.transaction(self.sessions) as s:
            a = self._visible_alert(s, p, alert_id)
            allowed = {"new": {"acknowledged", "resolved"}, "acknowledged": {"resolved"}}
            if to not in allowed.get(a.status, set()):
                raise Conflict(f"alert {alert_id} is {a.status}; cannot become {to}")
            at = self.clock.now()
            frm = a.status
            a.status, a.updated_at = to, at
            if to == "acknowledged":
                a.acknowledged_by, a.acknowledged_at, a.acknowledge_comment = (
                    p.username,
                    at,
                    comment,
                )
            else:
                a.resolved_by, a.resolved_at, a.resolve_comment = p.username, at, comment
                a.open_key = None
            self._audit(
                s, p, f"alert.{to}", "alert", str(alert_id), {"from": frm, "comment": comment}
            )
            return _alert_public(a, self.services.ladder())

    def audit(self, p: Principal, limit: int, offset: int) -> Page:
        """The audit log (admins): the entries of the organisations whose data the admin may
        see (its own and the bloc's: ``audit_orgs``) and the system entries of no
        organisation, which carry no tenant's data (decision 0007)."""
        p.require("admin")
        q = select(AuditEntry).where(
            AuditEntry.org_code.in_(audit_orgs(p.org)) | AuditEntry.org_code.is_(None)
        )
        with self.sessions() as s:
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(q.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
            return Page([_audit_public(e) for e in rows], total, limit, offset)


def _alert_then(
    a: Alert, ladder: Ladder, cut: datetime, repeats: tuple[int, datetime] | None
) -> dict[str, Any]:
    """An alert as it stood just before ``cut``: actions taken later are not shown, its
    status is the one it had then, its occurrences (``repeats``: how many times it was raised
    again by then, and the last time) those counted by then."""
    out = _alert_public(a, ladder)
    acked = a.acknowledged_at is not None and aware(a.acknowledged_at) < cut
    resolved = a.resolved_at is not None and aware(a.resolved_at) < cut
    if not acked:
        out.update(acknowledged_by=None, acknowledged_at=None, acknowledge_comment=None)
    if not resolved:
        out.update(resolved_by=None, resolved_at=None, resolve_comment=None)
    out["status"] = "resolved" if resolved else "acknowledged" if acked else "new"
    times = [aware(a.created_at)]
    times += [
        aware(t) for t, ok in ((a.acknowledged_at, acked), (a.resolved_at, resolved)) if t and ok
    ]
    out["occurrences"] = 1 + (repeats[0] if repeats else 0)
    if repeats:
        times.append(repeats[1])
    out["updated_at"] = max(times).isoformat()
    return out
