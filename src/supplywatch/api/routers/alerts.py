"""Alerts: list, detail (evidence + audit), acknowledge, resolve; the audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from supplywatch.api.deps import WS, IdPath, Me, Page_
from supplywatch.api.schemas import AlertAction, AlertDetail, AlertPage, AlertPublic, RowsPage

router = APIRouter(tags=["alerts"])


@router.get("/alerts", response_model=AlertPage, summary="The alert board")
def list_alerts(
    p: Me,
    ws: WS,
    page: Page_,
    status: Annotated[Literal["new", "acknowledged", "resolved"] | None, Query()] = None,
    importer: Annotated[Literal["KOR", "JPN", "BLOC"] | None, Query()] = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    as_of: Annotated[
        date | None,
        Query(
            description="The board as it stood at the end of this day (UTC): alerts raised "
            "by then, with their status and actions then (default: now)"
        ),
    ] = None,
) -> dict[str, Any]:
    return ws.alerts(p, status, importer, level, page.limit, page.offset, as_of).as_dict()


@router.get("/alerts/{alert_id}", response_model=AlertDetail)
def get_alert(alert_id: IdPath, p: Me, ws: WS) -> dict[str, Any]:
    return ws.alert(p, alert_id)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
def acknowledge(alert_id: IdPath, body: AlertAction, p: Me, ws: WS) -> dict[str, Any]:
    return ws.acknowledge(p, alert_id, body.comment)


@router.post("/alerts/{alert_id}/resolve", response_model=AlertPublic)
def resolve(alert_id: IdPath, body: AlertAction, p: Me, ws: WS) -> dict[str, Any]:
    return ws.resolve(p, alert_id, body.comment)


@router.get("/audit", response_model=RowsPage, tags=["admin"])
def audit(p: Me, ws: WS, page: Page_) -> dict[str, Any]:
    """Every change to service state (admins: their organisation's and the system's)."""
    return ws.audit(p, page.limit, page.offset).as_dict()
