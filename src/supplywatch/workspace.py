"""The shared service's facade: what the API and the dashboard call.

It wraps ``services.Services`` (the analysis layer, also used by the CLI) with what several
users of two countries need: sign-in, tenancy (``access.py``), the alert workflow, stocks and
days of cover, webhooks and scheduled re-evaluation. Every method that reads or changes state
takes the acting ``Principal`` and enforces the access rules itself; routes stay thin.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from supplywatch import access
from supplywatch.access import AccessDenied, NotAuthenticated, Principal
from supplywatch.alerts.evaluate import level_name, monthly_dates, timeline
from supplywatch.alerts.explain import level_change_evidence
from supplywatch.alerts.model import Ladder, load_ladder
from supplywatch.errors import ConfigError
from supplywatch.planning import cover as cov
from supplywatch.services import Services
from supplywatch.settings import Settings
from supplywatch.state import db
from supplywatch.state.models import (
    Alert,
    ApiToken,
    AuditEntry,
    ConsumptionEntry,
    Evaluation,
    ItemLevel,
    LoginFailure,
    LoginSession,
    StockEntry,
    StockTarget,
    User,
    Webhook,
    WebhookDelivery,
)

log = logging.getLogger(__name__)

#: Importers the service evaluates and raises alerts for.
SERVICE_IMPORTERS = ("KOR", "JPN", "BLOC")
STATUSES = ("new", "acknowledged", "resolved")
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


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


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


class Workspace:
    """Multi-user facade over the analysis services and the state database."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _now,
        http_post: Callable[..., Any] | None = None,
    ) -> None:
        self.settings = settings
        self.services = Services(settings)
        self.engine = db.make_engine(settings.database_url)
        db.upgrade(self.engine)
        self.sessions = db.session_factory(self.engine)
        self.clock = clock
        self._http_post = http_post
        self._cache = _CACHE
        self._cache_lock = _CACHE_LOCK
        self._key_locks = _KEY_LOCKS
        self._eval_lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()

    # ==== users, sessions, tokens ===============================================================
    def create_user(
        self, actor: Principal | None, username: str, org: str, role: str, password: str
    ) -> dict[str, Any]:
        """Create a user; ``actor`` None = bootstrap from the CLI (an operator on the host)."""
        if actor is not None:
            actor.require("admin")
            if actor.org not in {org, "JOINT"}:
                raise AccessDenied("admins create users of their own organisation")
        errors = []
        if org not in access.ORGS:
            errors.append({"loc": ["body", "org"], "msg": f"unknown organisation {org!r}"})
        if role not in access.ROLES:
            errors.append({"loc": ["body", "role"], "msg": f"unknown role {role!r}"})
        if len(password) < 10:
            errors.append({"loc": ["body", "password"], "msg": "at least 10 characters"})
        if errors:
            raise InputError(errors)
        with db.transaction(self.sessions) as s:
            if s.scalar(select(User).where(User.username == username)) is not None:
                raise Conflict(f"user {username!r} exists")
            u = User(
                username=username,
                org_code=org,
                role=role,
                password_hash=access.hash_password(password),
                is_active=True,
                created_at=self.clock(),
            )
            s.add(u)
            s.flush()
            self._audit(s, actor, "user.created", "user", str(u.id), {"org": org, "role": role})
            return {"id": u.id, "username": username, "org": org, "role": role}

    def login(self, username: str, password: str, client: str) -> tuple[str, str, Principal]:
        """Check the password; return (session cookie value, CSRF token, principal).

        Rate limit: ``login_max_failures`` failures per username, and four times that per
        client address, within ``login_window_s`` -> RateLimited (HTTP 429).
        """
        st = self.settings
        now = self.clock()
        since = now - timedelta(seconds=st.login_window_s)
        with db.transaction(self.sessions) as s:
            by_user = s.scalar(
                select(func.count())
                .select_from(LoginFailure)
                .where(LoginFailure.username == username, LoginFailure.at >= since)
            )
            by_client = s.scalar(
                select(func.count())
                .select_from(LoginFailure)
                .where(LoginFailure.client == client, LoginFailure.at >= since)
            )
            if (by_user or 0) >= st.login_max_failures or (
                by_client or 0
            ) >= 4 * st.login_max_failures:
                raise RateLimited(st.login_window_s)
            u = s.scalar(select(User).where(User.username == username))
            ok = u is not None and u.is_active and access.verify_password(password, u.password_hash)
        if not ok or u is None:
            with db.transaction(self.sessions) as s:
                s.add(LoginFailure(username=username[:64], client=client[:64], at=now))
            raise NotAuthenticated("wrong username or password")
        cookie = access.new_token("")
        csrf = access.new_token("")
        with db.transaction(self.sessions) as s:
            s.add(
                LoginSession(
                    id_sha256=access.sha256_hex(cookie),
                    user_id=u.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + timedelta(hours=st.session_ttl_hours),
                )
            )
            s.execute(delete(LoginFailure).where(LoginFailure.username == username))
            s.execute(delete(LoginSession).where(LoginSession.expires_at < now))
            p = Principal(u.id, u.username, u.org_code, u.role)
            self._audit(s, p, "session.login", "user", str(u.id), {"client": client})
        return cookie, csrf, p

    def logout(self, cookie: str) -> None:
        with db.transaction(self.sessions) as s:
            s.execute(
                delete(LoginSession).where(LoginSession.id_sha256 == access.sha256_hex(cookie))
            )

    def principal_from_session(self, cookie: str) -> tuple[Principal, str]:
        """(principal, CSRF token) of a live session."""
        with self.sessions() as s:
            row = s.execute(
                select(LoginSession, User)
                .join(User, User.id == LoginSession.user_id)
                .where(LoginSession.id_sha256 == access.sha256_hex(cookie))
            ).first()
        if row is None:
            raise NotAuthenticated("no such session")
        ls, u = row
        if _aware(ls.expires_at) < self.clock() or not u.is_active:
            raise NotAuthenticated("session expired")
        return Principal(u.id, u.username, u.org_code, u.role), ls.csrf_token

    def principal_from_token(self, token: str) -> Principal:
        with db.transaction(self.sessions) as s:
            row = s.execute(
                select(ApiToken, User)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_sha256 == access.sha256_hex(token))
            ).first()
            if row is None or row[0].revoked_at is not None or not row[1].is_active:
                raise NotAuthenticated("invalid or revoked token")
            t, u = row
            t.last_used_at = self.clock()
            return Principal(u.id, u.username, u.org_code, u.role)

    def create_token(self, actor: Principal, label: str) -> dict[str, Any]:
        """A new API token for the actor; the token itself is returned once, never stored."""
        token = access.new_token()
        with db.transaction(self.sessions) as s:
            t = ApiToken(
                user_id=actor.user_id,
                token_sha256=access.sha256_hex(token),
                label=label,
                created_at=self.clock(),
            )
            s.add(t)
            s.flush()
            self._audit(s, actor, "token.created", "token", str(t.id), {"label": label})
            return {"id": t.id, "label": label, "token": token}

    def revoke_token(self, actor: Principal, token_id: int) -> None:
        with db.transaction(self.sessions) as s:
            t = s.get(ApiToken, token_id)
            if t is None or t.user_id != actor.user_id:
                raise NotFound(f"token {token_id}")
            t.revoked_at = self.clock()
            self._audit(s, actor, "token.revoked", "token", str(token_id), {})

    # ==== risk engine (public data) =============================================================
    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Memoise per store fingerprint; one computation per key at a time."""
        full = (str(self.settings.db_path), self.services.store_fingerprint(), *key)
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

    def _frames(self) -> Any:
        """Indicator frames for the service's importers (cached per store state)."""
        return self._cached(
            ("frames", *SERVICE_IMPORTERS),
            lambda: self.services.frames("duckdb", list(SERVICE_IMPORTERS)),
        )

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

    # ==== evaluation and alerts ================================================================
    def evaluate(self, trigger: str = "manual", as_of: date | None = None) -> dict[str, Any]:
        """Run the risk engine for KOR, JPN and BLOC, apply days of cover, and turn level
        changes into alerts (deduplicated), audit entries and webhook deliveries."""
        when = as_of or self.clock().date()
        ladder = load_ladder()
        with self._eval_lock:
            fp = self.services.store_fingerprint()
            started = self.clock()
            fr = self._frames()
            tl = self._cached(
                ("timeline", when, ladder.version),
                lambda: timeline(fr, [*monthly_dates(date(2000, 1, 1), when), when], ladder),
            )
            snaps = self.services.snapshot_ids()
            changes = 0
            with db.transaction(self.sessions) as s:
                ev = Evaluation(
                    as_of_date=when,
                    store_fingerprint=fp,
                    ladder_version=ladder.version,
                    trigger=trigger,
                    started_at=started,
                )
                s.add(ev)
                s.flush()
                covers = {imp: self._covers(s, imp, when, fr) for imp in SERVICE_IMPORTERS}
                tl = tl.sort_values(["item_id", "importer_id", "as_of_date"])
                n = 0
                for (_item, imp), g in tl.groupby(["item_id", "importer_id"], sort=True):
                    n += 1
                    changes += self._apply_level(s, ev, ladder, snaps, g, covers[imp], when)
                ev.n_items = n
                ev.n_changes = changes
                ev.finished_at = self.clock()
                self._audit(
                    s,
                    None,
                    "evaluation.finished",
                    "evaluation",
                    str(ev.id),
                    {"trigger": trigger, "as_of": when.isoformat(), "changes": changes},
                )
                eid = ev.id
        return {"evaluation_id": eid, "as_of": when.isoformat(), "items": n, "changes": changes}

    def _apply_level(
        self,
        s: Session,
        ev: Evaluation,
        ladder: Ladder,
        snaps: dict[str, str],
        g: pd.DataFrame,
        covers: dict[str, cov.Cover],
        when: date,
    ) -> int:
        now = g.iloc[-1]
        item, imp = str(now["item_id"]), str(now["importer_id"])
        engine_level = int(now["level"])
        c = covers.get(item)
        level = ladder.stock_cover.adjust(
            engine_level, c.cover_days if c else None, c.target_days if c else None
        )
        steps = g[g["level"].diff().fillna(g["level"]) != 0]
        engine_since = pd.Timestamp(
            steps.iloc[-1]["as_of_date"] if len(steps) else g.iloc[0]["as_of_date"]
        ).date()
        state = s.get(ItemLevel, (item, imp))
        prev = state.level if state else 0
        if state is not None and state.level == level and state.engine_level == engine_level:
            state.score = _f(now["score"])
            state.evaluation_id = ev.id
            return 0
        # The date of the change: the engine's own step, or today when stocks moved it.
        moved_by_engine = state is None or state.engine_level != engine_level
        changed_on = engine_since if moved_by_engine else when
        if state is None:
            state = ItemLevel(item_id=item, importer_id=imp)
            s.add(state)
        state.level, state.engine_level, state.score = level, engine_level, _f(now["score"])
        state.since_date, state.evaluation_id = changed_on, ev.id
        if level == prev:
            return 0
        at = self.clock()
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
            a.resolve_comment = f"superseded: level {level} since {changed_on}"
            self._audit(s, None, "alert.superseded", "alert", str(a.id), {"to_level": level})
        if level == 0:
            return 1
        evidence = level_change_evidence(steps.iloc[-1] if len(steps) else now, ladder, snaps)
        evidence["engine_level"] = engine_level
        evidence["stock_cover"] = _cover_evidence(c, imp)
        key = f"{item}|{imp}|{level}"
        open_a = s.scalar(select(Alert).where(Alert.open_key == key))
        if open_a is not None:
            open_a.occurrences += 1
            open_a.updated_at = at
            self._audit(s, None, "alert.repeated", "alert", str(open_a.id), {"on": str(changed_on)})
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
            score=_f(now["score"]),
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
        self._audit(s, None, "alert.raised", "alert", str(a.id), {"level": level, "previous": prev})
        self._queue_webhooks(s, a, ladder)
        return 1

    def alerts(
        self,
        p: Principal,
        status: str | None = None,
        importer: str | None = None,
        level: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page:
        scope = access.ALERT_SCOPE[p.org]
        if importer is not None and importer not in scope:
            raise AccessDenied(f"{p.org} does not see alerts of {importer}")
        q = select(Alert).where(Alert.importer_id.in_(sorted(scope)))
        if status is not None:
            q = q.where(Alert.status == status)
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
            ladder = load_ladder()
            return Page([_alert_public(a, ladder) for a in rows], total, limit, offset)

    def alert(self, p: Principal, alert_id: int) -> dict[str, Any]:
        with self.sessions() as s:
            a = self._visible_alert(s, p, alert_id)
            out = _alert_public(a, load_ladder())
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
            at = self.clock()
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
            return _alert_public(a, load_ladder())

    def audit(self, p: Principal, limit: int, offset: int) -> Page:
        """The audit log: admins see their organisation's actions and the system's."""
        p.require("admin")
        q = select(AuditEntry)
        if p.org != "JOINT":
            q = q.where((AuditEntry.org_code == p.org) | (AuditEntry.org_code.is_(None)))
        with self.sessions() as s:
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(q.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
            return Page([_audit_public(e) for e in rows], total, limit, offset)

    def _audit(
        self,
        s: Session,
        actor: Principal | None,
        action: str,
        entity: str,
        entity_id: str,
        detail: dict[str, Any],
    ) -> None:
        s.add(
            AuditEntry(
                at=self.clock(),
                actor=actor.username if actor else SYSTEM,
                org_code=actor.org if actor else None,
                action=action,
                entity=entity,
                entity_id=entity_id,
                detail=detail,
            )
        )

    # ==== stocks and days of cover ==============================================================
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
        errors = _check_stock_rows(entries, self._known_items(), self.clock().date())
        if errors:
            raise InputError(errors)
        at = self.clock()
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
        rows = []
        try:
            missing = [c for c in need if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    [{"loc": [filename, "row 1"], "msg": f"missing column(s) {', '.join(missing)}"}]
                )
            for r in reader:
                if None in r:
                    raise InputError(
                        [{"loc": [filename, f"row {reader.line_num}"], "msg": "too many fields"}]
                    )
                rows.append({k: (v.strip() if isinstance(v, str) else v) for k, v in r.items()})
        except csv.Error as exc:
            raise InputError(
                [{"loc": [filename, f"row {reader.line_num}"], "msg": f"not valid CSV: {exc}"}]
            ) from exc
        errors = _check_stock_rows(rows, self._known_items(), self.clock().date())
        if errors:
            for e in errors:  # entries[i] -> the file's row i + 2 (header is row 1)
                i = int(e["loc"][1])
                e["loc"] = [filename, f"row {i + 2}", *e["loc"][2:]]
            raise InputError(errors)
        return self.add_stocks(p, rows, source="csv")

    def stocks(self, p: Principal, limit: int, offset: int) -> Page:
        """Stock entries the principal may see: its organisation's and the joint pool's."""
        orgs = sorted({p.org, "JOINT"})
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
                entered_at=self.clock(),
            )
            s.add(c)
            s.flush()
            self._audit(s, p, "consumption.entered", "consumption", str(c.id), {"item": item_id})
            return c.id

    def targets(self, p: Principal) -> list[dict[str, Any]]:
        orgs = sorted({p.org, "JOINT"})
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
                self.clock(),
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
        when = as_of or self.clock().date()
        if importer not in SERVICE_IMPORTERS:
            raise InputError([{"loc": ["query", "importer"], "msg": "KOR, JPN or BLOC"}])
        if importer != "BLOC" and access.IMPORTER_ORG[importer] != p.org:
            raise AccessDenied(f"stocks of {importer} are confidential to its organisation")
        fr = self._frames()
        with self.sessions() as s:
            covers = self._covers(s, importer, when, fr)
        out = []
        for c in covers.values():
            row = _cover_evidence(c, importer)
            if importer != "BLOC":
                row["stock_t"] = c.stock_t
                row["by_holder_t"] = c.by_holder_t
            out.append({"item_id": c.item_id, **row})
        return sorted(out, key=lambda r: (r["cover_days"] is None, r["cover_days"] or 0))

    def _covers(self, s: Session, importer: str, when: date, fr: Any) -> dict[str, cov.Cover]:
        """Cover of every item that has stock entries for the importer's organisation(s)."""
        orgs: tuple[str, ...] = (
            ("KR", "JP", "JOINT") if importer == "BLOC" else (access.IMPORTER_ORG[importer],)
        )
        recs = [
            cov.StockRecord(
                e.org_code, e.item_id, e.holder, e.quantity_t, e.as_of_date, _aware(e.entered_at)
            )
            for e in s.scalars(select(StockEntry).where(StockEntry.org_code.in_(orgs)))
        ]
        levels = cov.latest_stocks(recs, when)
        items = sorted({k[1] for k in levels})
        tgt_org = "JOINT" if importer == "BLOC" else orgs[0]
        targets = {
            t.item_id: (t.target_days, t.basis)
            for t in s.scalars(select(StockTarget).where(StockTarget.org_code == tgt_org))
        }
        entered = self._entered_consumption(s, orgs, when)
        out = {}
        for item in items:
            out[item] = cov.cover_for(
                item,
                levels,
                orgs,
                self._consumption(fr, entered, importer, orgs, item, when),
                targets.get(item, targets.get("*", (None, None))),
            )
        return out

    @staticmethod
    def _entered_consumption(
        s: Session, orgs: tuple[str, ...], when: date
    ) -> dict[tuple[str, str], float]:
        best: dict[tuple[str, str], tuple[date, datetime, float]] = {}
        for c in s.scalars(select(ConsumptionEntry).where(ConsumptionEntry.org_code.in_(orgs))):
            if c.as_of_date > when or _aware(c.entered_at).date() > when:
                continue
            k = (c.org_code, c.item_id)
            cand = (c.as_of_date, _aware(c.entered_at), c.tonnes_per_year)
            if k not in best or cand[:2] > best[k][:2]:
                best[k] = cand
        return {k: v[2] for k, v in best.items()}

    @staticmethod
    def _consumption(
        fr: Any,
        entered: dict[tuple[str, str], float],
        importer: str,
        orgs: tuple[str, ...],
        item: str,
        when: date,
    ) -> tuple[float | None, str | None]:
        national = [o for o in orgs if o != "JOINT"]
        if all((o, item) in entered for o in national):
            return sum(entered[(o, item)] for o in national), "entered"
        c = fr.consumption
        c = c[
            (c["item_id"] == item)
            & (c["importer_id"] == importer)
            & (c["available_date"] <= pd.Timestamp(when))
        ]
        if c.empty:
            return None, None
        last = c.sort_values("ref_year").iloc[-1]
        v = last["apparent_consumption_t"]
        if pd.isna(v) or v <= 0:
            return None, None
        return float(v), f"apparent {int(last['ref_year'])}"

    # ==== webhooks ==============================================================================
    def add_webhook(self, p: Principal, url: str, secret: str) -> dict[str, Any]:
        p.require("admin")
        errors = []
        if not url.startswith(("http://", "https://")):
            errors.append({"loc": ["body", "url"], "msg": "http(s) URL expected"})
        if len(secret) < 16:
            errors.append({"loc": ["body", "secret"], "msg": "at least 16 characters"})
        if errors:
            raise InputError(errors)
        with db.transaction(self.sessions) as s:
            w = Webhook(
                org_code=p.org,
                url=url,
                secret=secret,
                is_active=True,
                created_by=p.username,
                created_at=self.clock(),
            )
            s.add(w)
            s.flush()
            self._audit(s, p, "webhook.created", "webhook", str(w.id), {"url": url})
            return {"id": w.id, "org": p.org, "url": url, "is_active": True}

    def _queue_webhooks(self, s: Session, a: Alert, ladder: Ladder) -> None:
        for w in s.scalars(select(Webhook).where(Webhook.is_active.is_(True))):
            orgs_seeing = {o for o, scope in access.ALERT_SCOPE.items() if a.importer_id in scope}
            if w.org_code not in orgs_seeing:
                continue
            payload = {"event": "alert.raised", "alert": _alert_public(a, ladder)}
            s.add(
                WebhookDelivery(
                    webhook_id=w.id,
                    alert_id=a.id,
                    payload=payload,
                    status="pending",
                    attempts=0,
                    next_attempt_at=self.clock(),
                )
            )

    def deliver_webhooks(self) -> dict[str, int]:
        """Send due deliveries (signed); failures retry with doubling delays, then give up."""
        import json

        import httpx

        st = self.settings
        post = self._http_post or httpx.post
        sent = failed = retried = 0
        now = self.clock()
        with self.sessions() as s:
            due = s.execute(
                select(WebhookDelivery.id, Webhook.url, Webhook.secret, WebhookDelivery.payload)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.id)
            ).all()
        for did, url, secret, payload in due:
            body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
            ts = str(int(self.clock().timestamp()))
            headers = {
                "Content-Type": "application/json",
                "X-Supplywatch-Delivery": str(did),
                "X-Supplywatch-Timestamp": ts,
                "X-Supplywatch-Signature": access.sign_payload(secret, ts, body),
            }
            code: int | None = None
            err: str | None = None
            try:
                r = post(url, content=body, headers=headers, timeout=st.webhook_timeout_s)
                code = int(r.status_code)
                ok = 200 <= code < 300
                if not ok:
                    err = f"HTTP {code}"
            except Exception as exc:  # noqa: BLE001 - any transport failure is retried
                ok, err = False, f"{type(exc).__name__}: {exc}"
            with db.transaction(self.sessions) as s:
                d = s.get(WebhookDelivery, did)
                if d is None:
                    continue
                d.attempts += 1
                d.last_status_code, d.last_error = code, err
                if ok:
                    d.status, d.delivered_at = "delivered", self.clock()
                    sent += 1
                elif d.attempts >= st.webhook_max_attempts:
                    d.status = "failed"
                    failed += 1
                    self._audit(s, None, "webhook.failed", "delivery", str(did), {"error": err})
                else:
                    delay = st.webhook_backoff_s * 2 ** (d.attempts - 1)
                    d.next_attempt_at = self.clock() + timedelta(seconds=delay)
                    retried += 1
        return {"delivered": sent, "failed": failed, "retrying": retried}

    def deliveries(self, p: Principal) -> list[dict[str, Any]]:
        p.require("admin")
        with self.sessions() as s:
            rows = s.execute(
                select(WebhookDelivery, Webhook.org_code)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(Webhook.org_code == p.org)
                .order_by(WebhookDelivery.id)
            ).all()
            return [
                {
                    "id": d.id,
                    "webhook_id": d.webhook_id,
                    "alert_id": d.alert_id,
                    "status": d.status,
                    "attempts": d.attempts,
                    "last_status_code": d.last_status_code,
                    "last_error": d.last_error,
                }
                for d, _org in rows
            ]

    # ==== scheduled work ========================================================================
    def evaluate_if_changed(self) -> dict[str, Any] | None:
        """Re-evaluate when the store changed since the last evaluation (a new ingest)."""
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
        return self.evaluate(trigger="ingest")

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


def _check_stock_rows(
    rows: list[dict[str, Any]], known: set[str], today: date
) -> list[dict[str, Any]]:
    """Field-level errors for stock rows (loc = ["body", index, field])."""
    errors: list[dict[str, Any]] = []
    if not rows:
        return [{"loc": ["body"], "msg": "no rows"}]
    for i, r in enumerate(rows):

        def bad(field: str, msg: str, i: int = i) -> None:
            errors.append({"loc": ["body", i, field], "msg": msg})

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


def _alert_public(a: Alert, ladder: Ladder) -> dict[str, Any]:
    def iso(t: datetime | None) -> str | None:
        return _aware(t).isoformat() if t else None

    return {
        "id": a.id,
        "item_id": a.item_id,
        "importer_id": a.importer_id,
        "level": a.level,
        "level_code": level_name(a.level, ladder, "en"),
        "level_ko": level_name(a.level, ladder, "ko"),
        "level_ja": level_name(a.level, ladder, "ja"),
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


def _cover_evidence(c: cov.Cover | None, importer: str) -> dict[str, Any]:
    """Cover as evidence: national detail stays with its owner (the caller checks), the bloc
    shows only aggregates."""
    if c is None:
        return {"status": "no data", "cover_days": None}
    return {
        "status": "ok" if c.cover_days is not None else "no data",
        "cover_days": None if c.cover_days is None else round(c.cover_days, 1),
        "target_days": c.target_days,
        "target_basis": c.target_basis,
        "gap_days": None if c.gap_days is None else round(c.gap_days, 1),
        "consumption_basis": c.consumption_basis,
        "contributing_orgs": list(c.orgs) if importer == "BLOC" else None,
    }


__all__ = [
    "SERVICE_IMPORTERS",
    "AccessDenied",
    "ConfigError",
    "Conflict",
    "InputError",
    "NotAuthenticated",
    "NotFound",
    "Page",
    "RateLimited",
    "Workspace",
]
