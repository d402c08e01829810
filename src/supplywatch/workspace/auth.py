"""Users, dashboard sessions (login with rate limit), API tokens."""

from __future__ import annotations

import hmac
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from supplywatch import access
from supplywatch.access import AccessDenied, NotAuthenticated, Principal
from supplywatch.state import db
from supplywatch.state.models import (
    ApiToken,
    LoginFailure,
    LoginSession,
    User,
)
from supplywatch.workspace.base import (
    Conflict,
    InputError,
    NotFound,
    RateLimited,
    WorkspaceBase,
    _aware,
)

#: Checked when the username is unknown, so the answer takes as long as for a real user.
_DUMMY_HASH = access.hash_password("not-a-password: timing equaliser")


class AuthMixin(WorkspaceBase):
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
                created_at=self.clock.now(),
            )
            s.add(u)
            s.flush()
            self._audit(s, actor, "user.created", "user", str(u.id), {"org": org, "role": role})
            return {"id": u.id, "username": username, "org": org, "role": role}

    def login(self, username: str, password: str, client: str) -> tuple[str, str, Principal]:
        """Check the password; return (session cookie value, CSRF token, principal).

        Throttling an attacker cannot turn against the owner: ``login_max_failures`` failures
        of one username *from one client* within ``login_window_s`` hold that pair back
        (RateLimited, HTTP 429), and four times that from one client over any usernames; the
        owner signing in from elsewhere is never refused. Each attempt is recorded before its
        password check and the checks of one username run one at a time, so parallel guesses
        get no more checks than sequential ones. An unknown username costs the same scrypt
        as a known one. Failures and refusals are audited.
        """
        st = self.settings
        username, client = username[:64], client[:64]
        with self._login_lock(username):
            now = self.clock.now()
            since = now - timedelta(seconds=st.login_window_s)
            with db.transaction(self.sessions) as s:
                pair = s.scalar(
                    select(func.count())
                    .select_from(LoginFailure)
                    .where(
                        LoginFailure.username == username,
                        LoginFailure.client == client,
                        LoginFailure.at >= since,
                    )
                )
                by_client = s.scalar(
                    select(func.count())
                    .select_from(LoginFailure)
                    .where(LoginFailure.client == client, LoginFailure.at >= since)
                )
                limited = (pair or 0) >= st.login_max_failures or (
                    by_client or 0
                ) >= 4 * st.login_max_failures
                if limited:
                    self._audit(
                        s, None, "session.login_throttled", "user", username, {"client": client}
                    )
                else:  # counted before the check: a parallel guess sees it
                    attempt = LoginFailure(username=username, client=client, at=now)
                    s.add(attempt)
            if limited:
                raise RateLimited(st.login_window_s)
            with self.sessions() as s:
                u = s.scalar(select(User).where(User.username == username))
                stored = u.password_hash if u is not None else _DUMMY_HASH
                good = access.verify_password(password, stored)  # same cost, user or not
                ok = good and u is not None and u.is_active
            if not ok or u is None:
                with db.transaction(self.sessions) as s:
                    self._audit(
                        s, None, "session.login_failed", "user", username, {"client": client}
                    )
                raise NotAuthenticated("wrong username or password")
            cookie = access.new_token("")
            csrf = access.csrf_for(cookie)
            with db.transaction(self.sessions) as s:
                s.add(
                    LoginSession(
                        id_sha256=access.sha256_hex(cookie),
                        user_id=u.id,
                        csrf_token=access.sha256_hex(csrf),  # stored hashed, like the cookie
                        created_at=now,
                        expires_at=now + timedelta(hours=st.session_ttl_hours),
                    )
                )
                s.execute(
                    delete(LoginFailure).where(
                        LoginFailure.username == username, LoginFailure.client == client
                    )
                )
                s.execute(delete(LoginSession).where(LoginSession.expires_at < now))
                p = Principal(u.id, u.username, u.org_code, u.role)
                self._audit(s, p, "session.login", "user", str(u.id), {"client": client})
            return cookie, csrf, p

    def _login_lock(self, username: str) -> threading.Lock:
        with self._cache_lock:
            if len(self._login_locks) > 10_000:
                self._login_locks.clear()
            return self._login_locks.setdefault(username, threading.Lock())

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
        if _aware(ls.expires_at) < self.clock.now() or not u.is_active:
            raise NotAuthenticated("session expired")
        return Principal(u.id, u.username, u.org_code, u.role), ls.csrf_token

    def check_csrf(self, cookie: str, given: str | None) -> Principal:
        """The session's principal if ``given`` is its CSRF token (constant-time compare of
        the hashes; the token itself is never stored)."""
        p, stored = self.principal_from_session(cookie)
        if not given or not hmac.compare_digest(access.sha256_hex(given), stored):
            raise AccessDenied("missing or wrong X-CSRF-Token header")
        return p

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
            now = self.clock.now()
            if t.last_used_at is None or now - _aware(t.last_used_at) > timedelta(minutes=1):
                t.last_used_at = now  # at most one write a minute per token, not per request
            return Principal(u.id, u.username, u.org_code, u.role)

    def create_token(self, actor: Principal, label: str) -> dict[str, Any]:
        """A new API token for the actor; the token itself is returned once, never stored."""
        token = access.new_token()
        with db.transaction(self.sessions) as s:
            t = ApiToken(
                user_id=actor.user_id,
                token_sha256=access.sha256_hex(token),
                label=label,
                created_at=self.clock.now(),
            )
            s.add(t)
            s.flush()
            self._audit(s, actor, "token.created", "token", str(t.id), {"label": label})
            return {"id": t.id, "label": label, "token": token}

    def create_token_for(self, username: str, label: str) -> dict[str, Any]:
        """Operator bootstrap (CLI on the host): a token for ``username``."""
        with self.sessions() as s:
            u = s.scalar(select(User).where(User.username == username))
        if u is None:
            raise NotFound(f"no user {username!r}")
        return self.create_token(Principal(u.id, u.username, u.org_code, u.role), label)

    def revoke_token(self, actor: Principal, token_id: int) -> None:
        """Revoke one of your own tokens, or (admins) one of a user you manage."""
        with db.transaction(self.sessions) as s:
            t = s.get(ApiToken, token_id)
            owner = s.get(User, t.user_id) if t is not None else None
            if t is None or owner is None or not self._may_manage(actor, owner):
                raise NotFound(f"token {token_id}")
            if t.revoked_at is None:
                t.revoked_at = self.clock.now()
            self._audit(s, actor, "token.revoked", "token", str(token_id), {"user": owner.username})

    @staticmethod
    def _may_manage(actor: Principal, u: User) -> bool:
        """Yourself; an admin: the users of its organisation (JOINT admins: of every one)."""
        if u.id == actor.user_id:
            return True
        return actor.at_least("admin") and actor.org in {u.org_code, "JOINT"}

    def users(self, actor: Principal) -> list[dict[str, Any]]:
        """The users an admin manages (no password hashes)."""
        actor.require("admin")
        with self.sessions() as s:
            q = select(User).order_by(User.id)
            if actor.org != "JOINT":
                q = q.where(User.org_code == actor.org)
            return [
                {
                    "id": u.id,
                    "username": u.username,
                    "org": u.org_code,
                    "role": u.role,
                    "is_active": u.is_active,
                }
                for u in s.scalars(q)
            ]

    def set_user_active(self, actor: Principal, user_id: int, active: bool) -> dict[str, Any]:
        """Deactivate (or reactivate) a user: its sessions and tokens stop working at once."""
        actor.require("admin")
        with db.transaction(self.sessions) as s:
            u = s.get(User, user_id)
            if u is None or not self._may_manage(actor, u):
                raise NotFound(f"user {user_id}")
            if u.id == actor.user_id and not active:
                raise Conflict("you cannot deactivate yourself")
            u.is_active = active
            if not active:
                s.execute(delete(LoginSession).where(LoginSession.user_id == u.id))
            action = "user.activated" if active else "user.deactivated"
            self._audit(s, actor, action, "user", str(u.id), {"username": u.username})
            return {
                "id": u.id,
                "username": u.username,
                "org": u.org_code,
                "role": u.role,
                "is_active": u.is_active,
            }

    def change_password(self, actor: Principal, current: str, new: str) -> None:
        """Your own password; every session of yours ends (sign in again)."""
        if len(new) < 10:
            raise InputError([{"loc": ["body", "new_password"], "msg": "at least 10 characters"}])
        with self.sessions() as s:
            u = s.get(User, actor.user_id)
            good = u is not None and access.verify_password(current, u.password_hash)
        if not good:  # audited in its own transaction: the refusal must not roll it back
            with db.transaction(self.sessions) as s:
                self._audit(s, actor, "user.password_refused", "user", str(actor.user_id), {})
            raise AccessDenied("the current password is wrong")
        with db.transaction(self.sessions) as s:
            u = s.get(User, actor.user_id)
            assert u is not None
            u.password_hash = access.hash_password(new)
            s.execute(delete(LoginSession).where(LoginSession.user_id == u.id))
            self._audit(s, actor, "user.password_changed", "user", str(u.id), {})

    def tokens(self, actor: Principal) -> list[dict[str, Any]]:
        """API tokens (never their values): yours, or (admins) those of the users you
        manage."""
        with self.sessions() as s:
            rows = s.execute(
                select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
            ).all()
            return [
                {
                    "id": t.id,
                    "user": u.username,
                    "org": u.org_code,
                    "label": t.label,
                    "created_at": _aware(t.created_at).isoformat(),
                    "last_used_at": _aware(t.last_used_at).isoformat() if t.last_used_at else None,
                    "revoked_at": _aware(t.revoked_at).isoformat() if t.revoked_at else None,
                }
                for t, u in rows
                if (u.id == actor.user_id)
                or (actor.at_least("admin") and actor.org in {u.org_code, "JOINT"})
            ]

    def record_denial(self, p: Principal | None, path: str, reason: str) -> None:
        """An audit entry for a refused request (403)."""
        with db.transaction(self.sessions) as s:
            self._audit(s, p, "access.denied", "request", path[:64], {"reason": reason[:200]})
