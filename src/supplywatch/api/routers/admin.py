"""Evaluation, ingest and webhooks (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from supplywatch.api.deps import WS, IdPath, Me
from supplywatch.api.schemas import EvaluationPublic, WebhookCreate, WebhookPublic

router = APIRouter(tags=["admin"], prefix="/admin")


@router.post("/evaluate", response_model=EvaluationPublic)
def evaluate(p: Me, ws: WS) -> dict[str, Any]:
    """Re-run the risk engine now and raise alerts for level changes."""
    p.require("admin")
    return ws.evaluate_as(p)


@router.get("/evaluations/last")
def last_evaluation(p: Me, ws: WS) -> dict[str, Any] | None:
    return ws.last_evaluation(p)


@router.post("/ingest")
def ingest(
    request: Request,
    p: Me,
    ws: WS,
    source: Annotated[list[str] | None, Query(description="Sources (default: all).")] = None,
    force: Annotated[bool, Query(description="Reload even if unchanged.")] = False,
) -> list[dict[str, Any]]:
    """Load the bundled snapshot; re-evaluation is scheduled right after."""
    out = ws.ingest(p, source, force)
    sched = getattr(request.app.state, "scheduler", None)
    if sched is not None:
        sched.trigger_evaluation()
    return out


@router.post("/webhooks", response_model=WebhookPublic, status_code=201)
def add_webhook(body: WebhookCreate, p: Me, ws: WS) -> dict[str, Any]:
    """Level-change notifications, HMAC-SHA256 signed over `timestamp.body`."""
    return ws.add_webhook(p, body.url, body.secret)


@router.get("/webhooks", response_model=list[WebhookPublic])
def list_webhooks(p: Me, ws: WS) -> list[dict[str, Any]]:
    """Your organisation's webhooks (never their secrets)."""
    return ws.webhooks(p)


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: IdPath, p: Me, ws: WS) -> Response:
    """Stop a webhook: no more deliveries; its secret is erased."""
    ws.delete_webhook(p, webhook_id)
    return Response(status_code=204)


@router.get("/webhooks/deliveries")
def deliveries(p: Me, ws: WS) -> list[dict[str, Any]]:
    return ws.deliveries(p)
