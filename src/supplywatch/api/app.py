"""The FastAPI application: routers, error mapping, cache headers, scheduler, dashboard."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import duckdb
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from supplywatch.access import AccessDenied, NotAuthenticated
from supplywatch.api.routers import (
    admin,
    alerts,
    auth,
    briefings,
    items,
    measures,
    notices,
    plans,
    risk,
    stocks,
)
from supplywatch.deadline import DEADLINE
from supplywatch.errors import StoreBusy, SupplywatchError, TimedOut
from supplywatch.settings import Settings
from supplywatch.workspace import Conflict, InputError, NotFound, RateLimited, Workspace

API = "/api/v1"
WEB = Path(__file__).resolve().parents[1] / "web" / "static"
READ_MAX_AGE_S = 60
#: Reads of public-data results (fixed for a store state) may be reused for a minute; state
#: (alerts, stocks, sessions, audit) is revalidated every time (ETag -> 304).
PUBLIC_DATA = tuple(
    API + p for p in ("/items", "/screen", "/explain", "/indicators", "/backtest", "/measures")
)


#: Sent with every response (the dashboard's pages and the API's JSON alike).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


#: Long operations an admin starts on purpose: no request time limit.
UNLIMITED = (API + "/admin/ingest", API + "/admin/evaluate")


class Guard:
    """Outermost ASGI layer: refuses a request body above ``max_bytes`` with 413 before any
    route, authentication or parsing runs (by its Content-Length, or while it streams); puts
    a deadline of ``timeout_s`` on the request (store queries are interrupted at it, and an
    answer not started by then is a 503 with Retry-After); adds the security headers to every
    response."""

    def __init__(self, app: Any, max_bytes: int, timeout_s: float) -> None:
        self.app, self.max_bytes, self.timeout_s = app, max_bytes, timeout_s

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _v in message.get("headers", [])}
                extra = [
                    (k.lower().encode(), v.encode())
                    for k, v in SECURITY_HEADERS.items()
                    if k.lower().encode() not in have
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                n = int(length)
            except ValueError:
                await _plain(send_with_headers, 400, "Content-Length is not a number")
                return
            if n > self.max_bytes:
                await _plain(send_with_headers, 413, self._too_large())
                return
        # read the whole body here, up to the limit, before any route or parser sees it
        # (FastAPI reads a body before resolving authentication, and turns an error while
        # reading into a 400): a body without a length, or lying about it, stops at the limit
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nothing to answer
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                await _plain(send_with_headers, 413, self._too_large())
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        if scope.get("path", "").startswith(UNLIMITED):
            await self.app(scope, replay, send_with_headers)
            return
        started = answered = False

        async def send_once(message: Any) -> None:
            nonlocal started
            if answered:  # the 503 went out: what the late handler sends is dropped
                return
            if message["type"] == "http.response.start":
                started = True
            await send_with_headers(message)

        token = DEADLINE.set(time.monotonic() + self.timeout_s)
        try:
            task = asyncio.ensure_future(self.app(scope, replay, send_once))
        finally:
            DEADLINE.reset(token)
        done, _ = await asyncio.wait({task}, timeout=self.timeout_s + 1.0)
        if task in done:
            task.result()
            return
        if not started:
            answered = True
            await _plain(
                send_with_headers,
                503,
                f"the request took longer than {self.timeout_s:g} s and was stopped; try a "
                "narrower request or later",
                {"retry-after": str(int(self.timeout_s))},
            )
        await task  # finishes soon: its store query was interrupted at the deadline

    def _too_large(self) -> str:
        return f"request body larger than {self.max_bytes:,} bytes"


async def _plain(send: Any, status: int, detail: str, extra: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *((k.encode(), v.encode()) for k, v in (extra or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _problem(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def create_app(settings: Settings | None = None, workspace: Workspace | None = None) -> FastAPI:
    """Build the app; ``workspace`` lets tests share one with the code under test."""
    st = settings or (workspace.settings if workspace else Settings())
    ws = workspace or Workspace(st)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if st.scheduler_enabled:
            from supplywatch.scheduler import Scheduler

            app.state.scheduler = Scheduler(ws)
            app.state.scheduler.start()
        try:
            yield
        finally:
            if getattr(app.state, "scheduler", None) is not None:
                app.state.scheduler.shutdown()

    app = FastAPI(
        title="supplywatch",
        version="1",
        summary="Korea-Japan joint early-warning system for critical materials",
        description=(
            "Risk screen, explanations, alerts (관심/주의/경계/심각), stocks and days of cover for "
            "KR, JP and the KR+JP bloc. Authenticate with `Authorization: Bearer <token>` "
            "(POST /api/v1/auth/tokens) or a dashboard session (POST /api/v1/auth/login; "
            "writes then need the X-CSRF-Token header). Lists are paginated with "
            "limit/offset; read endpoints send ETag and Cache-Control."
        ),
        lifespan=lifespan,
        responses={
            401: {"description": "Not signed in"},
            403: {"description": "Not allowed for your organisation or role"},
            422: {"description": "Invalid input, with field-level messages"},
        },
    )
    app.state.workspace = ws
    app.state.scheduler = None
    for r in (auth, items, risk, measures, notices, alerts, stocks, plans, briefings, admin):
        app.include_router(r.router, prefix=API)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(NotAuthenticated)
    async def _401(_r: Request, exc: NotAuthenticated) -> JSONResponse:
        return _problem(401, str(exc), {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(AccessDenied)
    async def _403(r: Request, exc: AccessDenied) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        p = getattr(r.state, "principal", None)
        await run_in_threadpool(ws.record_denial, p, r.url.path, str(exc))
        return _problem(403, str(exc))

    @app.exception_handler(NotFound)
    async def _404(_r: Request, exc: NotFound) -> JSONResponse:
        return _problem(404, f"not found: {exc}")

    @app.exception_handler(Conflict)
    async def _409(_r: Request, exc: Conflict) -> JSONResponse:
        return _problem(409, str(exc))

    @app.exception_handler(InputError)
    async def _422(_r: Request, exc: InputError) -> JSONResponse:
        return _problem(422, [{**e, "type": "value_error"} for e in exc.errors])

    @app.exception_handler(StoreBusy)
    async def _503b(_r: Request, exc: StoreBusy) -> JSONResponse:
        return _problem(503, str(exc), {"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(TimedOut)
    async def _503t(_r: Request, exc: TimedOut) -> JSONResponse:
        return _problem(503, str(exc), {"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(duckdb.InterruptException)
    async def _503i(_r: Request, _exc: duckdb.InterruptException) -> JSONResponse:
        s = f"{st.request_timeout_s:g}"
        return _problem(
            503,
            f"the request took longer than {s} s and was stopped; try a narrower request or later",
            {"Retry-After": str(int(st.request_timeout_s))},
        )

    @app.exception_handler(SupplywatchError)  # ConfigError, DataError, UnknownCodeError
    async def _422d(_r: Request, exc: SupplywatchError) -> JSONResponse:
        field = getattr(exc, "field", None)
        loc = ["query", field] if field else ["query"]
        return _problem(422, [{"loc": loc, "msg": str(exc), "type": "value_error"}])

    @app.exception_handler(RequestValidationError)
    async def _422v(_r: Request, exc: RequestValidationError) -> JSONResponse:
        errs = [
            {"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return _problem(422, errs)

    @app.exception_handler(RateLimited)
    async def _429(_r: Request, exc: RateLimited) -> JSONResponse:
        return _problem(429, str(exc), {"Retry-After": str(exc.retry_after_s)})

    @app.middleware("http")
    async def cache_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """GET /api: ETag (SHA-256 of the body); max-age on public-data results, no-cache on
        state; 304 on a match.
        Writes: no-store."""
        response = await call_next(request)
        if not request.url.path.startswith(API):
            return response
        if request.method != "GET" or response.status_code != 200:
            response.headers["Cache-Control"] = "no-store"
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        media = response.headers.get("content-type", "").split(";")[0] or None
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length"}}
        fmt = request.query_params.get("format")
        p = getattr(request.state, "principal", None)
        converted = False
        if fmt in ("csv", "xlsx") and p is not None and media == "application/json":
            # a list asked as a file: this page of it, as the principal already read it
            from starlette.concurrency import run_in_threadpool

            doc = json.loads(body)
            if isinstance(doc, dict) and isinstance(doc.get("items"), list):
                what = request.url.path.removeprefix(API)
                body, media = await run_in_threadpool(
                    ws.export,
                    p,
                    doc["items"],
                    fmt,
                    what,
                    None,
                    None,
                    {"query": str(request.url.query), "total": doc.get("total")},
                )
                name = what.strip("/").replace("/", "-") or "list"
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
                headers["Content-Disposition"] = f'attachment; filename="supplywatch-{name}.{fmt}"'
                converted = True
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers["ETag"] = etag
        public_data = request.url.path.startswith(PUBLIC_DATA)
        headers["Cache-Control"] = (
            f"private, max-age={READ_MAX_AGE_S}" if public_data else "private, no-cache"
        )
        headers["Vary"] = "Authorization, Cookie"
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(
            body,
            status_code=200,
            headers=headers,
            media_type=media if converted else response.media_type,
        )

    _document_exports(app)
    _mount_dashboard(app)
    app.add_middleware(Guard, max_bytes=st.max_request_bytes, timeout_s=st.request_timeout_s)
    return app


#: What a list answers with ``format=csv`` or ``format=xlsx`` (the cache middleware converts it).
EXPORT_TYPES = {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}


def _document_exports(app: FastAPI) -> None:
    """Every list that takes ``format`` also answers as CSV or xlsx: say so in its OpenAPI
    200 response, next to the JSON page."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        for item in doc.get("paths", {}).values():
            op = item.get("get")
            if not op or not any(
                p.get("name") == "format" and p.get("in") == "query"
                for p in op.get("parameters", [])
            ):
                continue
            ok = op.get("responses", {}).get("200", {})
            content = ok.setdefault("content", {})
            if "application/json" in content:
                for media, spec in EXPORT_TYPES.items():
                    content.setdefault(media, spec)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _mount_dashboard(app: FastAPI) -> None:
    """The dashboard: static files of ours, and Plotly's JS from the installed plotly package
    (no CDN: works with no internet)."""
    import plotly

    vendor = Path(plotly.__file__).resolve().parent / "package_data"
    app.mount("/static/vendor", StaticFiles(directory=vendor), name="vendor")
    app.mount("/static", StaticFiles(directory=WEB), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        html = (WEB / "index.html").read_bytes()
        return Response(html, media_type="text/html; charset=utf-8")
