"""Users, dashboard sessions (login with rate limit), API tokens."""

from __future__ import annotations

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

        Rate limit: ``login_max_failures`` failures per username, and four times that per
        client address, within ``login_window_s`` -> RateLimited (HTTP 429).
        """
        st = self.settings
        now = self.clock.now()
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
        if _aware(ls.expires_at) < self.clock.now() or not u.is_active:
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
        with db.transaction(self.sessions) as s:
            t = s.get(ApiToken, token_id)
            if t is None or t.user_id != actor.user_id:
                raise NotFound(f"token {token_id}")
            t.revoked_at = self.clock.now()
            self._audit(s, actor, "token.revoked", "token", str(token_id), {})
