"""Watch-lists and their notifications.

A user watches items, imposing governments or supplier countries for themselves, or (an
analyst) for the whole organisation. When an evaluation raises an alert on a watched item (or
one whose top supplier is watched), or a measure becomes known that a watched government
imposes or that covers a watched item, each watcher gets a notification in their inbox and the
organisation's webhooks a ``watch.matched`` delivery. Tenancy: only what the organisation may
see (an alert of an importer in its scope; measures are public), never the other side's."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supplywatch import access
from supplywatch.access import Principal
from supplywatch.catalog.countries import encode_iso3
from supplywatch.errors import ConfigError, UnknownCodeError
from supplywatch.services import Ladder
from supplywatch.state import db
from supplywatch.state.models import (
    Alert,
    Notification,
    User,
    WatchEntry,
    Webhook,
    WebhookDelivery,
)
from supplywatch.workspace.base import (
    Conflict,
    InputError,
    NotFound,
    Page,
    WorkspaceBase,
    _alert_public,
    _aware,
)

KINDS = ("item", "imposer", "supplier")


def _watch_public(w: WatchEntry) -> dict[str, Any]:
    return {
        "id": w.id,
        "org": w.org_code,
        "scope": "me" if w.username else "org",
        "username": w.username,
        "kind": w.kind,
        "target": w.target,
        "created_by": w.created_by,
        "created_at": _aware(w.created_at).isoformat(),
    }


def _notification_public(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "watch_kinds": n.watch_kinds,
        "item_id": n.item_id,
        "importer_id": n.importer_id,
        "alert_id": n.alert_id,
        "measure_id": n.measure_id,
        "payload": n.payload,
        "created_at": _aware(n.created_at).isoformat(),
        "read": n.read_at is not None,
    }


class WatchMixin(WorkspaceBase):
    # --- the lists ---------------------------------------------------------------------------
    def watch_add(self, p: Principal, kind: str, target: str, scope: str = "me") -> dict[str, Any]:
        """Watch an item (catalog id or name), an imposer or a supplier (ISO3), for yourself
        (``scope="me"``) or, as an analyst, for your organisation (``scope="org"``)."""
        if kind not in KINDS:
            raise InputError([{"loc": ["body", "kind"], "msg": f"one of {', '.join(KINDS)}"}])
        if scope not in ("me", "org"):
            raise InputError([{"loc": ["body", "scope"], "msg": "me or org"}])
        if scope == "org":
            p.require("analyst")
        try:
            tgt = self.services.resolve_item(target) if kind == "item" else encode_iso3(target)
        except (UnknownCodeError, ConfigError) as exc:
            raise InputError([{"loc": ["body", "target"], "msg": str(exc)}]) from None
        user = p.username if scope == "me" else None
        with db.transaction(self.sessions) as s:
            dup = s.scalar(
                select(WatchEntry).where(
                    WatchEntry.org_code == p.org,
                    WatchEntry.username.is_(None) if user is None else WatchEntry.username == user,
                    WatchEntry.kind == kind,
                    WatchEntry.target == tgt,
                )
            )
            if dup is not None:
                raise Conflict(f"already watched ({kind} {tgt}, {scope})")
            w = WatchEntry(
                org_code=p.org,
                username=user,
                kind=kind,
                target=tgt,
                created_by=p.username,
                created_at=self.clock.now(),
            )
            s.add(w)
            s.flush()
            self._audit(
                s,
                p,
                "watch.added",
                "watch",
                str(w.id),
                {"kind": kind, "target": tgt, "scope": scope},
            )
            return _watch_public(w)

    def watch_list(self, p: Principal, limit: int, offset: int) -> Page:
        """Your own entries and your organisation's."""
        with self.sessions() as s:
            q = select(WatchEntry).where(
                WatchEntry.org_code == p.org,
                (WatchEntry.username == p.username) | WatchEntry.username.is_(None),
            )
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(q.order_by(WatchEntry.id).limit(limit).offset(offset))
            return Page([_watch_public(w) for w in rows], total, limit, offset)

    def watch_delete(self, p: Principal, watch_id: int) -> None:
        with db.transaction(self.sessions) as s:
            w = s.get(WatchEntry, watch_id)
            if w is None or w.org_code != p.org or (w.username and w.username != p.username):
                raise NotFound(f"no watch entry {watch_id}")
            if w.username is None:
                p.require("analyst")
            self._audit(
                s, p, "watch.deleted", "watch", str(w.id), {"kind": w.kind, "target": w.target}
            )
            s.delete(w)

    # --- the inbox -------------------------------------------------------------------------
    def notifications(self, p: Principal, unread: bool, limit: int, offset: int) -> Page:
        with self.sessions() as s:
            q = select(Notification).where(
                Notification.username == p.username, Notification.org_code == p.org
            )
            if unread:
                q = q.where(Notification.read_at.is_(None))
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(q.order_by(Notification.id.desc()).limit(limit).offset(offset))
            return Page([_notification_public(n) for n in rows], total, limit, offset)

    def notification_read(self, p: Principal, notification_id: int) -> dict[str, Any]:
        with db.transaction(self.sessions) as s:
            n = s.get(Notification, notification_id)
            if n is None or n.username != p.username or n.org_code != p.org:
                raise NotFound(f"no notification {notification_id}")
            if n.read_at is None:
                n.read_at = self.clock.now()
            return _notification_public(n)

    # --- raising them (evaluation) ---------------------------------------------------------
    def _recipients(self, s: Session, w: WatchEntry) -> list[str]:
        if w.username:
            active = s.scalar(
                select(User.is_active).where(
                    User.username == w.username, User.org_code == w.org_code
                )
            )
            return [w.username] if active else []
        return list(
            s.scalars(
                select(User.username).where(User.org_code == w.org_code, User.is_active.is_(True))
            )
        )

    def _notify(
        self,
        s: Session,
        matches: dict[str, dict[str, set[str]]],
        event_key: str,
        kind: str,
        payload: dict[str, Any],
        *,
        item_id: str | None = None,
        importer_id: str | None = None,
        alert_id: int | None = None,
        measure_id: str | None = None,
    ) -> int:
        """One notification per (user, event) and one webhook delivery per organisation's
        webhook; ``matches``: org -> username -> the watch kinds that matched."""
        n = 0
        for org, users in matches.items():
            for user, kinds in users.items():
                have = s.scalar(
                    select(Notification).where(
                        Notification.username == user, Notification.event_key == event_key
                    )
                )
                if have is not None:
                    have.watch_kinds = sorted(set(have.watch_kinds) | kinds)
                    continue
                s.add(
                    Notification(
                        org_code=org,
                        username=user,
                        event_key=event_key,
                        kind=kind,
                        watch_kinds=sorted(kinds),
                        item_id=item_id,
                        importer_id=importer_id,
                        alert_id=alert_id,
                        measure_id=measure_id,
                        payload=payload,
                        created_at=self.clock.now(),
                    )
                )
                n += 1
            for hook in s.scalars(
                select(Webhook).where(Webhook.org_code == org, Webhook.is_active.is_(True))
            ):
                key = f"watch:{event_key}"
                if s.scalar(
                    select(WebhookDelivery.id).where(
                        WebhookDelivery.webhook_id == hook.id, WebhookDelivery.event_key == key
                    )
                ):
                    continue
                s.add(
                    WebhookDelivery(
                        webhook_id=hook.id,
                        alert_id=None,
                        event_key=key,
                        payload={
                            "event": "watch.matched",
                            "kind": kind,
                            "watch_kinds": sorted({k for u in users.values() for k in u}),
                            **payload,
                        },
                        status="pending",
                        attempts=0,
                        next_attempt_at=self.clock.now(),
                    )
                )
        return n

    def _matches(
        self, s: Session, orgs: set[str], wanted: list[tuple[str, str | None]]
    ) -> dict[str, dict[str, set[str]]]:
        out: dict[str, dict[str, set[str]]] = {}
        pairs = [(k, t) for k, t in wanted if t]
        if not pairs:
            return out
        for w in s.scalars(select(WatchEntry).where(WatchEntry.org_code.in_(sorted(orgs)))):
            if (w.kind, w.target) in pairs:
                for user in self._recipients(s, w):
                    out.setdefault(w.org_code, {}).setdefault(user, set()).add(w.kind)
        return out

    def _notify_alert(self, s: Session, a: Alert, ladder: Ladder, top_supplier: str | None) -> int:
        """Notifications for a new alert: watchers of its item or its top supplier, in the
        organisations that see the alert's importer."""
        orgs = {o for o, scope in access.ALERT_SCOPE.items() if a.importer_id in scope}
        matches = self._matches(s, orgs, [("item", a.item_id), ("supplier", top_supplier)])
        if not matches:
            return 0
        return self._notify(
            s,
            matches,
            f"alert:{a.id}",
            "level_change",
            {"alert": _alert_public(a, ladder), "top_supplier": top_supplier},
            item_id=a.item_id,
            importer_id=a.importer_id,
            alert_id=a.id,
        )

    def _notify_measures(self, s: Session, since: date, when: date) -> int:
        """Notifications for measures that became known after ``since`` and on or before
        ``when``: watchers of the imposer or of an item the measure covers (public data:
        every organisation may be told)."""
        n = 0
        orgs = set(access.ORGS)
        when = min(when, self.services.today())  # an evaluation "as of" a later date
        if since >= when:
            return 0
        for m in self.services.measures(when):
            known = m.get("known_since")
            if not known or not since < date.fromisoformat(str(known)[:10]) <= when:
                continue
            wanted: list[tuple[str, str | None]] = [
                ("imposer", m["imposer_id_iso3"]),
                ("supplier", m["imposer_id_iso3"]),  # a supplier's own government acts
            ]
            wanted += [("item", mat) for mat in m.get("materials") or []]
            matches = self._matches(s, orgs, wanted)
            if matches:
                n += self._notify(
                    s,
                    matches,
                    f"measure:{m['measure_id']}",
                    "measure",
                    {
                        "measure": {
                            "measure_id": m["measure_id"],
                            "imposer": m["imposer_id_iso3"],
                            "legal_reference": m.get("legal_reference"),
                            "types": m.get("types"),
                            "materials": m.get("materials"),
                            "known_since": str(known)[:10],
                            "status": m.get("status_on_date"),
                            "source_url": m.get("source_url"),
                        }
                    },
                    measure_id=m["measure_id"],
                )
        return n
