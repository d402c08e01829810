"""Weekly briefings in the service: computed per organisation (on a schedule, every week, or
on request), kept, listed and downloaded as HTML or PDF in Korean, Japanese or English.

An organisation's briefing is of its own importer (KR: KOR, JP: JPN, JOINT: the bloc) or the
bloc, and may carry its own days of cover (KOR/JPN: its national stock entries; the bloc: the
joint pool over public consumption, which every side may see, decision 0007). So a briefing
is visible to its organisation only, like a plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from supplywatch import access
from supplywatch.access import AccessDenied, Principal
from supplywatch.catalog.importers import BLOC_ID, ORG_IMPORTER, ORGS
from supplywatch.clock import today
from supplywatch.services.briefing import briefing_data, render_briefing
from supplywatch.services.exports import export_table
from supplywatch.state import db
from supplywatch.state.models import Briefing, WatchEntry
from supplywatch.workspace.base import (
    SYSTEM,
    InputError,
    NotFound,
    Page,
    WorkspaceBase,
    _aware,
)
from supplywatch.workspace.stocks import StocksMixin

LANGS = ("ko", "ja", "en")
FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _briefing_public(b: Briefing, *, with_data: bool) -> dict[str, Any]:
    d = b.data
    out: dict[str, Any] = {
        "id": b.id,
        "org": b.org_code,
        "importer_id": b.importer_id,
        "as_of": b.as_of_date.isoformat(),
        "since": b.since_date.isoformat(),
        "trigger": b.trigger,
        "created_by": b.created_by,
        "created_at": _aware(b.created_at).isoformat(),
        "counts": d.get("counts", {}),
    }
    if with_data:
        out["data"] = d
    return out


class BriefingsMixin(StocksMixin):
    def create_briefing(
        self,
        p: Principal | None,
        importer: str,
        as_of: date | None = None,
        since: date | None = None,
        *,
        org: str | None = None,
        trigger: str = "manual",
    ) -> dict[str, Any]:
        """Compute and keep a briefing for ``p``'s organisation (or ``org``, the schedule): the
        changes since ``since``, by default since the organisation's last briefing of the same
        importer (if within a month), else over the last week."""
        who = p.org if p is not None else org
        assert who is not None
        if p is not None:
            p.require("analyst")
        now_day = today(self.clock)
        when = as_of or now_day
        errors: list[dict[str, Any]] = []
        if importer not in access.ALERT_SCOPE[who]:
            raise AccessDenied(f"{who} briefings are of {', '.join(access.ALERT_SCOPE[who])}")
        if not date(2000, 1, 1) <= when <= now_day:
            errors.append({"loc": ["body", "as_of"], "msg": f"between 2000-01-01 and {now_day}"})
        if since is None:  # since the organisation's last briefing of it (within a month)
            with self.sessions() as s:
                prev = s.scalar(
                    select(func.max(Briefing.as_of_date)).where(
                        Briefing.org_code == who,
                        Briefing.importer_id == importer,
                        Briefing.as_of_date < when,
                    )
                )
            since = prev if prev is not None and (when - prev).days <= 31 else None
        start = since or when - timedelta(days=7)
        if start >= when:
            errors.append({"loc": ["body", "since"], "msg": "before as_of"})
        if errors:
            raise InputError(errors)
        latest = self._latest_dependence(when)
        with self.sessions() as s:
            covers = self._covers(s, importer, when, latest, shared_stocks_only=importer == BLOC_ID)
            watched = set(
                s.scalars(
                    select(WatchEntry.target).where(
                        WatchEntry.org_code == who,
                        WatchEntry.kind == "item",
                        WatchEntry.username.is_(None),
                    )
                )
            )
        cover = {i: c.cover_days for i, c in covers.items()}
        basis = (
            "joint pool over public consumption"
            if importer == BLOC_ID
            else f"{who} national, private and in-transit stocks entered in the service"
        )
        data = briefing_data(
            self.services, importer, when, start, cover=cover, cover_basis=basis, watched=watched
        )
        with db.transaction(self.sessions) as s:
            same = s.scalar(
                select(Briefing).where(
                    Briefing.org_code == who,
                    Briefing.importer_id == importer,
                    Briefing.as_of_date == when,
                    Briefing.since_date == start,
                )
            )
            if same is not None:  # the same week again: refreshed, not duplicated
                same.data, same.created_at = data, self.clock.now()
                same.created_by = p.username if p else SYSTEM
                b = same
            else:
                b = Briefing(
                    org_code=who,
                    importer_id=importer,
                    as_of_date=when,
                    since_date=start,
                    trigger=trigger,
                    created_by=p.username if p else SYSTEM,
                    created_at=self.clock.now(),
                    data=data,
                )
                s.add(b)
            s.flush()
            self._audit(
                s,
                p,
                "briefing.created",
                "briefing",
                str(b.id),
                {"importer": importer, "as_of": when.isoformat(), "trigger": trigger},
                org=who,
            )
            return _briefing_public(b, with_data=True)

    def weekly_briefings(self) -> list[int]:
        """The scheduled run: each organisation's briefing of its own importer for the week
        ending today (kept once per week; a rerun refreshes it)."""
        day = today(self.clock)
        return [
            self.create_briefing(None, ORG_IMPORTER[org], day, org=org, trigger="schedule")["id"]
            for org in ORGS
        ]

    def briefings(self, p: Principal, limit: int, offset: int) -> Page:
        with self.sessions() as s:
            q = select(Briefing).where(Briefing.org_code == p.org)
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(q.order_by(Briefing.id.desc()).limit(limit).offset(offset))
            return Page([_briefing_public(b, with_data=False) for b in rows], total, limit, offset)

    def briefing(self, p: Principal, briefing_id: int) -> dict[str, Any]:
        with self.sessions() as s:
            b = s.get(Briefing, briefing_id)
            if b is None or b.org_code != p.org:
                raise NotFound(f"no briefing {briefing_id}")
            return _briefing_public(b, with_data=True)

    def briefing_file(
        self, p: Principal, briefing_id: int, lang: str, fmt: str
    ) -> tuple[bytes, str, str]:
        """(content, media type, file name) of a briefing rendered in ``lang`` as ``fmt``."""
        errors = []
        if lang not in LANGS:
            errors.append({"loc": ["query", "lang"], "msg": ", ".join(LANGS)})
        if fmt not in FORMATS:
            errors.append({"loc": ["query", "format"], "msg": ", ".join(FORMATS)})
        if errors:
            raise InputError(errors)
        b = self.briefing(p, briefing_id)
        body = render_briefing(b["data"], lang, fmt)
        name = f"supplywatch-briefing-{b['importer_id']}-{b['as_of']}-{lang}.{fmt}"
        return body, FORMATS[fmt], name


class ExportsMixin(WorkspaceBase):
    def export(
        self,
        p: Principal,
        rows: list[dict[str, Any]],
        fmt: str,
        what: str,
        columns: list[str] | None = None,
        units: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> tuple[bytes, str]:
        """A table the principal already may read, as CSV or xlsx (the header sheet names
        what it is, for whom and when it was made, units and sources)."""
        about = {
            "table": what,
            "organisation": p.org,
            "made_by": p.username,
            "made_at": self.clock.now().isoformat(),
            "rows": len(rows),
            "made_with": "supplywatch",
            **(extra or {}),
        }
        return export_table(self.services, rows, fmt, about, columns, units)
