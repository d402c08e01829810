"""Sign-in (session cookie for the dashboard), API tokens, users."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from supplywatch.api.deps import SESSION_COOKIE, WS, IdPath, Me
from supplywatch.api.schemas import (
    LoginCreate,
    MePublic,
    TokenCreate,
    TokenPublic,
    UserCreate,
    UserPublic,
)

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=MePublic, summary="Sign in (sets a session cookie)")
def login(body: LoginCreate, request: Request, response: Response, ws: WS) -> MePublic:
    client = request.client.host if request.client else "unknown"
    cookie, csrf, p = ws.login(body.username, body.password, client)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=ws.settings.cookie_secure,
        max_age=int(ws.settings.session_ttl_hours * 3600),
        path="/",
    )
    return MePublic(username=p.username, org=p.org, role=p.role, csrf_token=csrf)


@router.post("/auth/logout", status_code=204, summary="Sign out")
def logout(request: Request, response: Response, ws: WS) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        ws.logout(cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/auth/me", response_model=MePublic, summary="Who am I")
def me(request: Request, p: Me, ws: WS) -> MePublic:
    csrf = None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and not request.headers.get("authorization"):
        csrf = ws.principal_from_session(cookie)[1]
    return MePublic(username=p.username, org=p.org, role=p.role, csrf_token=csrf)


@router.post("/auth/tokens", response_model=TokenPublic, status_code=201)
def create_token(body: TokenCreate, p: Me, ws: WS) -> TokenPublic:
    """A new API token for yourself (shown once)."""
    return TokenPublic(**ws.create_token(p, body.label))


@router.delete("/auth/tokens/{token_id}", status_code=204)
def revoke_token(token_id: IdPath, p: Me, ws: WS) -> Response:
    ws.revoke_token(p, token_id)
    return Response(status_code=204)


@router.post("/users", response_model=UserPublic, status_code=201, tags=["admin"])
def create_user(body: UserCreate, p: Me, ws: WS) -> UserPublic:
    """Admins create users of their organisation (JOINT admins: of any)."""
    return UserPublic(**ws.create_user(p, body.username, body.org, body.role, body.password))
