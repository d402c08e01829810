"""The notice review queue: an official notice read by the extractor becomes a candidate event;
an analyst confirms it (it enters the measures registry with the notice as evidence, the store
is reloaded and the service re-evaluates: alerts and webhooks fire the same day), edits its
draft, or rejects it. Every step is audited.

Tenancy: a candidate submitted by an organisation is visible to that organisation and to JOINT
(the secretariat) until it is confirmed; its draft and the comments stay theirs. A candidate
found by a connector (no organisation) is visible to all three. A confirmed measure is public:
it is an official act of a government, and both sides see the registry.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supplywatch.access import Principal
from supplywatch.catalog.importers import JOINT_ORG
from supplywatch.clock import today
from supplywatch.errors import ConfigError, DataError
from supplywatch.state import db
from supplywatch.state.models import NoticeCandidate
from supplywatch.workspace.alerts import AlertsMixin
from supplywatch.workspace.base import Conflict, InputError, NotFound, Page, _aware

MAX_TEXT = 200_000
STATUSES = ("pending", "confirmed", "rejected")
_REGISTRY_LOCK = threading.Lock()


class NoticesMixin(AlertsMixin):
    # --- reading ---------------------------------------------------------------------------
    def _visible(self, p: Principal, c: NoticeCandidate) -> bool:
        return c.org_code is None or c.org_code == p.org or p.org == JOINT_ORG

    def _candidate(self, s: Session, p: Principal, cid: int) -> NoticeCandidate:
        c = s.get(NoticeCandidate, cid)
        if c is None or not self._visible(p, c):
            raise NotFound(f"no notice candidate {cid}")
        return c

    def candidates(self, p: Principal, status: str | None, limit: int, offset: int) -> Page:
        """The review queue as the principal may see it, newest first."""
        if status is not None and status not in STATUSES:
            raise InputError([{"loc": ["query", "status"], "msg": f"one of {', '.join(STATUSES)}"}])
        q = select(NoticeCandidate)
        if p.org != JOINT_ORG:
            q = q.where((NoticeCandidate.org_code == p.org) | (NoticeCandidate.org_code.is_(None)))
        if status is not None:
            q = q.where(NoticeCandidate.status == status)
        with self.sessions() as s:
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(q.order_by(NoticeCandidate.id.desc()).limit(limit).offset(offset))
            return Page([_public(c, full=False) for c in rows], total, limit, offset)

    def candidate(self, p: Principal, cid: int) -> dict[str, Any]:
        with self.sessions() as s:
            return self._full(self._candidate(s, p, cid))

    def _full(self, c: NoticeCandidate) -> dict[str, Any]:
        """The whole candidate; while pending, with what would stop its confirmation now."""
        out = _public(c, full=True)
        out["problems"] = self._problems(c.draft) if c.status == "pending" else []
        return out

    def _problems(self, draft: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            self.services.check_measure({**draft, "review": None})
        except DataError as exc:
            loc = ["draft", *(exc.column.split(".") if exc.column else [])]
            return [{"loc": loc, "msg": exc.message, "value": exc.value}]
        return []

    # --- submitting ------------------------------------------------------------------------
    def submit_notice(
        self,
        p: Principal | None,
        text: str,
        source_url: str | None = None,
        title: str | None = None,
        origin: str = "upload",
    ) -> dict[str, Any]:
        """Read a notice and queue it (an analyst's upload, or ``p`` None: a connector). The
        same text twice in the same scope is a conflict naming the first candidate."""
        if p is not None:
            p.require("analyst")
        errors = []
        if not text.strip():
            errors.append({"loc": ["body", "text"], "msg": "the notice text is empty"})
        if len(text) > MAX_TEXT:
            errors.append({"loc": ["body", "text"], "msg": f"at most {MAX_TEXT} characters"})
        if "\x00" in text:
            errors.append({"loc": ["body", "text"], "msg": "contains a NUL character"})
        if errors:
            raise InputError(errors)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        org = p.org if p is not None else None
        ex = self.services.extract_notice(text)
        known = self.services.measures(today(self.clock))
        with db.transaction(self.sessions) as s:
            same = s.scalar(
                select(NoticeCandidate).where(
                    NoticeCandidate.text_sha256 == sha,
                    NoticeCandidate.org_code.is_(None)
                    if org is None
                    else NoticeCandidate.org_code == org,
                )
            )
            if same is not None:
                raise Conflict(f"this notice is already candidate {same.id} ({same.status})")
            now = self.clock.now()
            c = NoticeCandidate(
                org_code=org,
                origin=origin,
                source_url=source_url,
                title=title,
                text=text,
                text_sha256=sha,
                extraction=ex,
                draft={},
                status="pending",
                created_by=p.username if p is not None else "system",
                created_at=now,
                updated_at=now,
            )
            s.add(c)
            s.flush()
            draft, _open = self.services.draft_measure(
                ex, candidate_id=c.id, text=text, source_url=source_url, title=title, known=known
            )
            c.draft = draft
            self._audit(
                s,
                p,
                "notice.submitted",
                "notice_candidate",
                str(c.id),
                {"origin": origin, "sha256": sha, "measure_type": ex.get("measure_type")},
            )
        return self._full(c)

    def queue_snapshot(self, source: str, snapshot: Path) -> dict[str, Any]:
        """Queue the notices of a connector's snapshot (visible to all three organisations):
        each one with a text becomes a candidate; one already queued, or a list entry
        without its page's text, is counted and skipped."""
        docs = self.services.notice_docs(source, snapshot)
        out: dict[str, Any] = {"source": source, "snapshot": str(snapshot), "notices": len(docs)}
        queued, known, no_text = [], 0, 0
        for d in docs:
            if not d.text or not d.text.strip():
                no_text += 1
                continue
            try:
                c = self.submit_notice(None, d.text, d.url, d.title, origin=source)
            except Conflict:
                known += 1
                continue
            queued.append(c["id"])
        out.update(queued=queued, already_queued=known, without_text=no_text)
        return out

    # --- reviewing -------------------------------------------------------------------------
    def _pending(self, s: Session, p: Principal, cid: int) -> NoticeCandidate:
        p.require("analyst")
        c = self._candidate(s, p, cid)
        if c.status != "pending":
            raise Conflict(f"candidate {cid} is {c.status} already")
        return c

    def edit_candidate(self, p: Principal, cid: int, draft: dict[str, Any]) -> dict[str, Any]:
        """Replace the draft (a registry entry); checked against the registry right away, so
        the analyst sees what still stops it (``problems``), but kept even if incomplete."""
        with db.transaction(self.sessions) as s:
            c = self._pending(s, p, cid)
            before = c.draft
            c.draft = draft
            c.updated_at = self.clock.now()
            changed = sorted(k for k in {*before, *draft} if before.get(k) != draft.get(k))
            self._audit(s, p, "notice.edited", "notice_candidate", str(cid), {"fields": changed})
        return self._full(c)

    def reject_candidate(self, p: Principal, cid: int, comment: str) -> dict[str, Any]:
        if not comment.strip():
            raise InputError([{"loc": ["body", "comment"], "msg": "say why it is rejected"}])
        with db.transaction(self.sessions) as s:
            c = self._pending(s, p, cid)
            self._reviewed(c, p, "rejected", comment)
            self._audit(s, p, "notice.rejected", "notice_candidate", str(cid), {})
        return self._full(c)

    def confirm_candidate(self, p: Principal, cid: int, comment: str | None) -> dict[str, Any]:
        """The draft enters the registry (validated against it: an error names the field and
        changes nothing), the store is reloaded and the service re-evaluates today: the
        alerts and webhooks of the new measure fire now."""
        with _REGISTRY_LOCK:
            with self.sessions() as s:
                c = self._pending(s, p, cid)
                entry = dict(c.draft)
                text, sha, org = c.text, c.text_sha256, c.org_code
            entry["review"] = {
                "candidate_id": cid,
                "notice_sha256": sha,
                "notice_file": f"notices/{sha}.txt",
                "submitted_by_org": org,
                "confirmed_by_org": p.org,
                "confirmed_on": today(self.clock).isoformat(),
            }
            try:
                path = self.services.add_confirmed_measure(entry, text)
            except DataError as exc:
                loc = ["body", "draft", *(exc.column.split(".") if exc.column else [])]
                raise InputError([{"loc": loc, "msg": f"{exc.message} ({exc.value})"}]) from exc
            except ConfigError as exc:
                raise Conflict(str(exc)) from exc
            with db.transaction(self.sessions) as s:
                c = self._pending(s, p, cid)
                self._reviewed(c, p, "confirmed", comment)
                c.measure_id = entry["measure_id"]
                self._audit(
                    s,
                    p,
                    "notice.confirmed",
                    "notice_candidate",
                    str(cid),
                    {"measure_id": entry["measure_id"], "registry_file": path.name},
                )
        out = self._full(c)
        out["evaluation"] = self.evaluate_as(p, trigger="measure")
        return out

    def _reviewed(self, c: NoticeCandidate, p: Principal, status: str, comment: str | None) -> None:
        now: datetime = self.clock.now()
        c.status, c.reviewed_by, c.reviewed_org = status, p.username, p.org
        c.reviewed_at, c.updated_at, c.review_comment = now, now, comment


def _public(c: NoticeCandidate, *, full: bool) -> dict[str, Any]:
    ex = c.extraction
    out: dict[str, Any] = {
        "id": c.id,
        "org": c.org_code,
        "origin": c.origin,
        "status": c.status,
        "source_url": c.source_url,
        "title": c.title,
        "text_sha256": c.text_sha256,
        "created_by": c.created_by,
        "created_at": _aware(c.created_at).isoformat(),
        "updated_at": _aware(c.updated_at).isoformat(),
        "reviewed_by": c.reviewed_by,
        "reviewed_org": c.reviewed_org,
        "reviewed_at": _aware(c.reviewed_at).isoformat() if c.reviewed_at else None,
        "review_comment": c.review_comment,
        "measure_id": c.measure_id,
        "language": ex.get("language"),
        "issuer": ex.get("issuer"),
        "notice_number": ex.get("notice_number"),
        "published_date": ex.get("published_date"),
        "measure_class": ex.get("measure_class"),
        "measure_type": ex.get("measure_type"),
        "materials": ex.get("materials"),
    }
    if full:
        out["extraction"] = ex
        out["draft"] = c.draft
        out["text"] = c.text
    return out
