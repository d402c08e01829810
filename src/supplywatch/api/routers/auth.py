"""Sign-in (session cookie for the dashboard), API tokens, users."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from supplywatch import access
from supplywatch.access import NotAuthenticated
from supplywatch.api.deps import CSRF_HEADER, SESSION_COOKIE, WS, IdPath, Me
from supplywatch.api.schemas import (
    LoginCreate,
    MePublic,
    PasswordChange,
    TokenCreate,
    TokenListed,
    TokenPublic,
    UserCreate,
    UserListed,
    UserPublic,
    UserState,
)

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=MePublic, summary="Sign in (sets a session cookie)")
def login(body: LoginCreate, request: Request, response: Response, ws: WS) -> MePublic:
    # the TCP peer (behind a configured proxy, uvicorn has already put the forwarded address
    # there; X-Forwarded-For from anyone else is ignored)
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
    if cookie:  # a cross-site form must not sign anyone out: the CSRF header is needed
        try:
            ws.check_csrf(cookie, request.headers.get(CSRF_HEADER))
        except NotAuthenticated:
            pass  # no live session: only the cookie to clear
        else:
            ws.logout(cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/auth/me", response_model=MePublic, summary="Who am I")
def me(request: Request, p: Me, ws: WS) -> MePublic:
    csrf = None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and not request.headers.get("authorization"):
        ws.principal_from_session(cookie)
        csrf = access.csrf_for(cookie)
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


@router.get("/users", response_model=list[UserListed], tags=["admin"])
def list_users(p: Me, ws: WS) -> list[dict[str, object]]:
    """The users an admin manages."""
    return ws.users(p)


@router.patch("/users/{user_id}", response_model=UserListed, tags=["admin"])
def set_user_state(user_id: IdPath, body: UserState, p: Me, ws: WS) -> dict[str, object]:
    """Deactivate (or reactivate) a user; its sessions and tokens stop working at once."""
    return ws.set_user_active(p, user_id, body.is_active)


@router.post("/auth/password", status_code=204, summary="Change your password")
def change_password(body: PasswordChange, p: Me, ws: WS) -> Response:
    ws.change_password(p, body.current_password, body.new_password)
    return Response(status_code=204)


@router.get("/auth/tokens", response_model=list[TokenListed])
def list_tokens(p: Me, ws: WS) -> list[dict[str, object]]:
    """API tokens (never their values): yours, or those of the users an admin manages."""
    return ws.tokens(p)
