"""Webhooks: signed level-change notifications, retried with backoff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from supplywatch import access
from supplywatch.access import Principal
from supplywatch.services import Ladder
from supplywatch.state import db
from supplywatch.state.models import (
    Alert,
    Webhook,
    WebhookDelivery,
)
from supplywatch.workspace.base import (
    InputError,
    NotFound,
    WorkspaceBase,
    _alert_public,
)


class WebhooksMixin(WorkspaceBase):
    def add_webhook(self, p: Principal, url: str, secret: str) -> dict[str, Any]:
        p.require("admin")
        errors = []
        problem = access.destination_problem(url, self.settings.webhook_allow_hosts)
        if problem:
            errors.append({"loc": ["body", "url"], "msg": problem})
        if len(secret) < 16:
            errors.append({"loc": ["body", "secret"], "msg": "at least 16 characters"})
        if errors:
            raise InputError(errors)
        with db.transaction(self.sessions) as s:
            w = Webhook(
                org_code=p.org,
                url=url,
                secret=self._secrets().seal(secret),
                is_active=True,
                created_by=p.username,
                created_at=self.clock.now(),
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
                    next_attempt_at=self.clock.now(),
                )
            )

    def deliver_webhooks(self) -> dict[str, int]:
        """Send due deliveries (signed); failures retry with doubling delays, then give up."""
        import json

        import httpx

        st = self.settings
        post = self._http_post or httpx.post
        sent = failed = retried = 0
        now = self.clock.now()
        with self.sessions() as s:
            due = s.execute(
                select(WebhookDelivery.id, Webhook.url, Webhook.secret, WebhookDelivery.payload)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.id)
            ).all()
        for did, url, secret, payload in due:
            body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
            ts = str(int(self.clock.now().timestamp()))
            code: int | None = None
            err: str | None = None
            problem = access.destination_problem(url, st.webhook_allow_hosts)
            if problem:  # resolved elsewhere since it was created: not sent
                ok, err = False, f"destination refused: {problem}"
            else:
                headers = {
                    "Content-Type": "application/json",
                    "X-Supplywatch-Delivery": str(did),
                    "X-Supplywatch-Timestamp": ts,
                    "X-Supplywatch-Signature": access.sign_payload(
                        self._secrets().open(secret), ts, body
                    ),
                }
                try:
                    r = post(
                        url,
                        content=body,
                        headers=headers,
                        timeout=st.webhook_timeout_s,
                        follow_redirects=False,
                    )
                    code = int(r.status_code)
                    ok = 200 <= code < 300
                    if not ok:
                        err = (
                            f"HTTP {code}: redirects are not followed"
                            if 300 <= code < 400
                            else f"HTTP {code}"
                        )
                except Exception:  # noqa: BLE001 - any transport failure is retried
                    # no exception text: "connection refused" v "timed out" would tell the
                    # admin which ports are open where the service runs
                    ok, err = False, "no HTTP answer (connection failed or timed out)"
            with db.transaction(self.sessions) as s:
                d = s.get(WebhookDelivery, did)
                if d is None:
                    continue
                d.attempts += 1
                d.last_status_code, d.last_error = code, err
                if ok:
                    d.status, d.delivered_at = "delivered", self.clock.now()
                    sent += 1
                elif d.attempts >= st.webhook_max_attempts:
                    d.status = "failed"
                    failed += 1
                    hook = s.get(Webhook, d.webhook_id)
                    self._audit(
                        s,
                        None,
                        "webhook.failed",
                        "delivery",
                        str(did),
                        {"error": err},
                        org=hook.org_code if hook is not None else None,
                    )
                else:
                    delay = st.webhook_backoff_s * 2 ** (d.attempts - 1)
                    d.next_attempt_at = self.clock.now() + timedelta(seconds=delay)
                    retried += 1
        return {"delivered": sent, "failed": failed, "retrying": retried}

    def _secrets(self) -> access.SecretBox:
        box: access.SecretBox | None = getattr(self, "_secret_box", None)
        if box is None:
            box = access.SecretBox(self.settings.secret_key_file)
            self._secret_box = box
        return box

    def webhooks(self, p: Principal) -> list[dict[str, Any]]:
        """The organisation's webhooks (never their secrets)."""
        p.require("admin")
        with self.sessions() as s:
            rows = s.scalars(
                select(Webhook)
                .where(Webhook.org_code == p.org, Webhook.is_active.is_(True))
                .order_by(Webhook.id)
            )
            return [{"id": w.id, "org": w.org_code, "url": w.url, "is_active": True} for w in rows]

    def delete_webhook(self, p: Principal, webhook_id: int) -> None:
        """Stop a webhook of the admin's organisation: no more deliveries, its secret erased;
        the row stays for the deliveries' history."""
        p.require("admin")
        with db.transaction(self.sessions) as s:
            w = s.get(Webhook, webhook_id)
            if w is None or w.org_code != p.org or not w.is_active:
                raise NotFound(f"webhook {webhook_id}")
            w.is_active = False
            w.secret = ""
            for d in s.scalars(
                select(WebhookDelivery).where(
                    WebhookDelivery.webhook_id == w.id, WebhookDelivery.status == "pending"
                )
            ):
                d.status, d.last_error = "failed", "webhook deleted"
            self._audit(s, p, "webhook.deleted", "webhook", str(w.id), {"url": w.url})

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
                    "event_key": d.event_key,
                    "event": (d.payload or {}).get("event"),
                    "status": d.status,
                    "attempts": d.attempts,
                    "last_status_code": d.last_status_code,
                    "last_error": d.last_error,
                }
                for d, _org in rows
            ]
