"""Weekly briefings (kept per organisation), watch-lists and the notification inbox, and
exports of any table the dashboard shows."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from supplywatch.api.deps import WS, IdPath, Me, Page_
from supplywatch.api.schemas import (
    BriefingCreate,
    BriefingPage,
    BriefingPublic,
    NotificationPage,
    NotificationPublic,
    WatchCreate,
    WatchPage,
    WatchPublic,
)

router = APIRouter(tags=["briefings"])


@router.post("/briefings", response_model=BriefingPublic, status_code=201, summary="Make one")
def create_briefing(body: BriefingCreate, p: Me, ws: WS) -> dict[str, Any]:
    """The weekly briefing of your importer (or the bloc) as of a date: changes since the
    previous week (or ``since``), a card per item at 주의 or above, the items that went quiet,
    freshness, with your organisation's days of cover. Also made every week by the schedule."""
    return ws.create_briefing(p, body.importer, body.as_of, body.since)


@router.get("/briefings", response_model=BriefingPage, summary="Your organisation's briefings")
def list_briefings(p: Me, ws: WS, page: Page_) -> dict[str, Any]:
    return ws.briefings(p, page.limit, page.offset).as_dict()


@router.get("/briefings/{briefing_id}", response_model=BriefingPublic)
def get_briefing(briefing_id: IdPath, p: Me, ws: WS) -> dict[str, Any]:
    return ws.briefing(p, briefing_id)


@router.get(
    "/briefings/{briefing_id}/file",
    response_class=Response,
    summary="Download as HTML or PDF",
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def briefing_file(
    briefing_id: IdPath,
    p: Me,
    ws: WS,
    lang: Annotated[Literal["ko", "ja", "en"], Query()] = "en",
    fmt: Annotated[Literal["html", "pdf"], Query(alias="format")] = "pdf",
) -> Response:
    body, media, name = ws.briefing_file(p, briefing_id, lang, fmt)
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/watch", response_model=WatchPublic, status_code=201, tags=["watch"])
def add_watch(body: WatchCreate, p: Me, ws: WS) -> dict[str, Any]:
    """Watch an item, an imposing government or a supplier, for you or (analysts) for your
    organisation: a change on it lands in the inbox and goes to your webhooks."""
    return ws.watch_add(p, body.kind, body.target, body.scope)


@router.get("/watch", response_model=WatchPage, tags=["watch"])
def list_watch(p: Me, ws: WS, page: Page_) -> dict[str, Any]:
    return ws.watch_list(p, page.limit, page.offset).as_dict()


@router.delete("/watch/{watch_id}", status_code=204, tags=["watch"])
def delete_watch(watch_id: IdPath, p: Me, ws: WS) -> Response:
    ws.watch_delete(p, watch_id)
    return Response(status_code=204)


@router.get("/notifications", response_model=NotificationPage, tags=["watch"])
def list_notifications(
    p: Me, ws: WS, page: Page_, unread: Annotated[bool, Query()] = False
) -> dict[str, Any]:
    """Your inbox: changes on what you or your organisation watch, newest first."""
    return ws.notifications(p, unread, page.limit, page.offset).as_dict()


@router.post(
    "/notifications/{notification_id}/read", response_model=NotificationPublic, tags=["watch"]
)
def read_notification(notification_id: IdPath, p: Me, ws: WS) -> dict[str, Any]:
    return ws.notification_read(p, notification_id)


class ExportBody(BaseModel):
    """A table as the dashboard shows it (what the user already may see)."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    columns: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=100)
    rows: list[list[str | float | int | bool | None]] = Field(max_length=20_000)
    units: list[Annotated[str, Field(max_length=200)]] | None = Field(default=None, max_length=100)
    as_of: date | None = None


@router.post(
    "/exports",
    response_class=Response,
    tags=["exports"],
    summary="A dashboard table as CSV or xlsx",
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
def export(
    body: ExportBody,
    p: Me,
    ws: WS,
    fmt: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "xlsx",
) -> Response:
    from supplywatch.workspace import InputError

    bad = [i for i, r in enumerate(body.rows) if len(r) != len(body.columns)]
    if bad:
        raise InputError([{"loc": ["body", "rows", bad[0]], "msg": "one cell per column"}])
    rows = [dict(zip(body.columns, r, strict=True)) for r in body.rows]
    units = dict(zip(body.columns, body.units or [], strict=False))
    content, media = ws.export(
        p,
        rows,
        fmt,
        body.title,
        body.columns,
        units,
        {"as_of": body.as_of.isoformat() if body.as_of else None},
    )
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in body.title)[:60]
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="supplywatch-{name}.{fmt}"'},
    )
