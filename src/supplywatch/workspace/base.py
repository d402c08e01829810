"""Shared pieces of the workspace: errors, pages, the result cache, the base class."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from supplywatch.access import Principal
from supplywatch.catalog.importers import SERVICE_IMPORTER_IDS
from supplywatch.clock import Clock, aware
from supplywatch.services import Ladder, Services
from supplywatch.settings import Settings
from supplywatch.state import db
from supplywatch.state.models import (
    Alert,
    AuditEntry,
)

#: Importers the service evaluates and raises alerts for (catalog/importers.py).
SERVICE_IMPORTERS = SERVICE_IMPORTER_IDS
SYSTEM = "system"


class NotFound(Exception):  # noqa: N818 - HTTP meaning (404)
    """No such object (or not visible to the principal: never tell the difference)."""


class Conflict(Exception):  # noqa: N818
    """The request conflicts with the object's state (HTTP 409)."""


class RateLimited(Exception):  # noqa: N818
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class InputError(Exception):
    """Bad user input, with where it is (HTTP 422)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))
        self.errors = errors


def _aware(t: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return aware(t)


def _end_of(day: date) -> datetime:
    """The first instant after ``day`` (UTC): what was known "as of" the day is before it."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def page_of(rows: list[dict[str, Any]], limit: int, offset: int) -> Page:
    return Page(rows[offset : offset + limit], len(rows), limit, offset)


#: Results computed from the store (screens, frames, timelines), shared by the workspaces of a
#: process and keyed by store file and store fingerprint: a new ingest is never served stale.
_CACHE: dict[tuple[Any, ...], Any] = {}
_CACHE_LOCK = threading.Lock()
_KEY_LOCKS: dict[tuple[Any, ...], threading.Lock] = {}


class WorkspaceBase:
    """State every part of the workspace shares."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        http_post: Callable[..., Any] | None = None,
    ) -> None:
        self.settings = settings
        self.services = Services(settings, clock)
        self.engine = db.make_engine(settings.database_url)
        db.upgrade(self.engine)
        self.sessions = db.session_factory(self.engine)
        self.clock: Clock = self.services.clock
        self._http_post = http_post
        self._cache = _CACHE
        self._cache_lock = _CACHE_LOCK
        self._login_locks: dict[str, threading.Lock] = {}
        self._key_locks = _KEY_LOCKS
        self._eval_lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Memoise per store fingerprint; one computation per key at a time."""
        full = (str(self.settings.db_path), self.services.store_stamp(), *key)
        with self._cache_lock:
            if full in self._cache:
                return self._cache[full]
            lock = self._key_locks.setdefault(full, threading.Lock())
        with lock:
            with self._cache_lock:
                if full in self._cache:
                    return self._cache[full]
            value = compute()
            with self._cache_lock:
                if len(self._cache) > 256:
                    self._cache.clear()
                    self._key_locks.clear()
                self._cache[full] = value
            return value

    def _audit(
        self,
        s: Session,
        actor: Principal | None,
        action: str,
        entity: str,
        entity_id: str,
        detail: dict[str, Any],
        org: str | None = None,
    ) -> None:
        """One audit entry. It belongs to ``org`` (the organisation whose data it concerns:
        a system entry about an importer's alert belongs to that importer's organisation),
        else to the actor's; an entry of no organisation carries no tenant's data."""
        s.add(
            AuditEntry(
                at=self.clock.now(),
                actor=actor.username if actor else SYSTEM,
                org_code=org if org is not None else (actor.org if actor else None),
                action=action,
                entity=entity,
                entity_id=entity_id,
                detail=detail,
            )
        )


# ==== helpers ===================================================================================
def _f(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else round(float(v), 4)


def _jsonable(r: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in r.items():
        if isinstance(v, pd.Timestamp):
            out[k] = v.date().isoformat()
        elif v is None or (isinstance(v, float) and math.isnan(v)):
            out[k] = None
        elif hasattr(v, "item"):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _alert_public(a: Alert, ladder: Ladder) -> dict[str, Any]:
    def iso(t: datetime | None) -> str | None:
        return _aware(t).isoformat() if t else None

    return {
        "id": a.id,
        "item_id": a.item_id,
        "importer_id": a.importer_id,
        "level": a.level,
        "level_code": ladder.level_name(a.level, "en"),
        "level_ko": ladder.level_name(a.level, "ko"),
        "level_ja": ladder.level_name(a.level, "ja"),
        "previous_level": a.previous_level,
        "score": a.score,
        "changed_on": a.changed_on_date.isoformat(),
        "status": a.status,
        "occurrences": a.occurrences,
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
        "acknowledged_by": a.acknowledged_by,
        "acknowledged_at": iso(a.acknowledged_at),
        "acknowledge_comment": a.acknowledge_comment,
        "resolved_by": a.resolved_by,
        "resolved_at": iso(a.resolved_at),
        "resolve_comment": a.resolve_comment,
        "ladder_version": a.ladder_version,
    }


def _audit_public(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": _aware(e.at).isoformat(),
        "actor": e.actor,
        "org": e.org_code,
        "action": e.action,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "detail": e.detail,
    }


def audit_from_cli(
    url: str, at: Any, action: str, entity: str, entity_id: str, detail: dict[str, Any]
) -> None:
    """One audit entry written by a command run on the host (``supplywatch ingest``): the
    actor is ``cli:<OS user>``, of no organisation (the entry carries no tenant's data)."""
    import getpass
    import os

    from sqlalchemy.orm import Session as OrmSession

    from supplywatch.state import db
    from supplywatch.state.models import AuditEntry

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = str(os.getuid())
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        with OrmSession(engine) as s, s.begin():
            s.add(
                AuditEntry(
                    at=at,
                    actor=f"cli:{who}"[:64],
                    org_code=None,
                    action=action,
                    entity=entity,
                    entity_id=entity_id,
                    detail=detail,
                )
            )
    finally:
        engine.dispose()
