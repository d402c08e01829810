"""Typed dependencies: the workspace, the acting principal, pagination."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Header, Path, Query, Request

from supplywatch.access import NotAuthenticated, Principal
from supplywatch.workspace import Workspace

SESSION_COOKIE = "sw_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE = {"GET", "HEAD", "OPTIONS"}


#: Pagination is bounded: no list is near this long, and the databases need a 64-bit offset.
MAX_OFFSET = 1_000_000_000


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def principal(
    request: Request,
    ws: Annotated[Workspace, Depends(workspace)],
    authorization: Annotated[
        str | None, Header(description="`Bearer <API token>` (or sign in for a session cookie)")
    ] = None,
) -> Principal:
    """Bearer token, or the dashboard's session cookie (with its CSRF header on writes). The
    principal is kept on the request so that a later refusal can be audited with it."""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("Authorization must be `Bearer <token>`")
        p = ws.principal_from_token(token.strip())
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise NotAuthenticated("sign in or send an API token")
        if request.method not in _SAFE:
            p = ws.check_csrf(cookie, request.headers.get(CSRF_HEADER))
        else:
            p = ws.principal_from_session(cookie)[0]
    request.state.principal = p
    return p


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")] = 0,
        fmt: Annotated[
            Literal["json", "csv", "xlsx"],
            Query(
                alias="format",
                description="json (default), or this page of the list as csv or xlsx (an "
                "'about' sheet with units and sources)",
            ),
        ] = "json",
    ) -> None:
        self.limit = limit
        self.offset = offset
        self.fmt = fmt


WS = Annotated[Workspace, Depends(workspace)]
Me = Annotated[Principal, Depends(principal)]
Page_ = Annotated[Paging, Depends()]
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="Object id.")]
