"""The notice review queue: submit an official notice, review what the extractor read,
confirm it into the measures registry (alerts follow the same day) or reject it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from supplywatch.api.deps import WS, IdPath, Me, Page_
from supplywatch.api.schemas import (
    NoticeCreate,
    NoticeDetail,
    NoticeEdit,
    NoticePage,
    NoticeReject,
    NoticeReview,
)

router = APIRouter(tags=["notices"])


@router.post("/notices", response_model=NoticeDetail, status_code=201, summary="Submit a notice")
def submit(body: NoticeCreate, p: Me, ws: WS) -> dict[str, Any]:
    """Read the notice (language, issuer, number, dates, measure type, materials, codes,
    targets, links; each with its span and confidence) and queue it as a candidate event with
    a draft registry entry. Visible to your organisation and JOINT. Analysts and admins."""
    return ws.submit_notice(p, body.text, body.source_url, body.title)


@router.get("/notices", response_model=NoticePage, summary="The review queue")
def queue(
    p: Me,
    ws: WS,
    page: Page_,
    status: Annotated[Literal["pending", "confirmed", "rejected"] | None, Query()] = None,
) -> dict[str, Any]:
    return ws.candidates(p, status, page.limit, page.offset).as_dict()


@router.get("/notices/{notice_id}", response_model=NoticeDetail, summary="One candidate")
def get(notice_id: IdPath, p: Me, ws: WS) -> dict[str, Any]:
    return ws.candidate(p, notice_id)


@router.patch("/notices/{notice_id}", response_model=NoticeDetail, summary="Edit the draft")
def edit(notice_id: IdPath, body: NoticeEdit, p: Me, ws: WS) -> dict[str, Any]:
    """Replace the draft registry entry; ``problems`` says what still stops confirming it."""
    return ws.edit_candidate(p, notice_id, body.draft)


@router.post(
    "/notices/{notice_id}/confirm", response_model=NoticeDetail, summary="Confirm into the registry"
)
def confirm(notice_id: IdPath, body: NoticeReview, p: Me, ws: WS) -> dict[str, Any]:
    """The draft enters the measures registry with the notice as evidence (an error names
    the field and changes nothing); the store is reloaded and today's levels re-evaluated, so
    alerts and webhooks fire now. The measure is public to both sides; takes seconds."""
    return ws.confirm_candidate(p, notice_id, body.comment)


@router.post("/notices/{notice_id}/reject", response_model=NoticeDetail, summary="Reject")
def reject(notice_id: IdPath, body: NoticeReject, p: Me, ws: WS) -> dict[str, Any]:
    return ws.reject_candidate(p, notice_id, body.comment)
