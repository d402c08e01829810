"""A small HTTP client for the live connectors: retries, backoff, Retry-After, a rate limit.

Retried: connect/read timeouts and connection failures, HTTP 429 and 5xx. Each retry waits
``Retry-After`` when the server sends one, else an exponential backoff with jitter. Calls are
spaced by at least ``min_interval_s`` (the upstreams publish per-second limits). After the last
try a ``FetchError`` names the URL with its secrets redacted and the last status.

Secrets (API keys) travel as query parameters or headers; neither is ever logged, and query
parameters named in ``SECRET_NAMES`` are replaced by ``***`` in every URL we print. Redirects
are not followed (a key header must not travel to another host): a 3xx is a FetchError.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from supplywatch.clock import Clock, SystemClock
from supplywatch.errors import SupplywatchError

if TYPE_CHECKING:
    from supplywatch.settings import Settings

log = logging.getLogger(__name__)

#: Parameter and header names (lower case) whose values are secrets.
SECRET_NAMES = frozenset(
    {
        "servicekey",
        "appid",
        "subscription-key",
        "ocp-apim-subscription-key",
        "token",
        "apikey",
        "api_key",
        "key",
    }
)
REDACTED = "***"

Params = Mapping[str, str | int | float]


class FetchError(SupplywatchError):
    """A request that failed after all its tries (or with a status not worth retrying)."""

    def __init__(self, url: str, message: str, status: int | None = None, attempts: int = 1):
        self.url = url
        self.status = status
        self.attempts = attempts
        where = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"GET {url} failed after {attempts} attempt(s) ({where}): {message}")


def is_secret(name: str) -> bool:
    return name.strip().lower() in SECRET_NAMES


def redact_url(url: str) -> str:
    """``url`` with the values of secret query parameters replaced by ``***``."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    clean = [(k, REDACTED if is_secret(k) else v) for k, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(clean, safe="*,:")))


def without_secrets(params: Mapping[str, object]) -> dict[str, object]:
    """A copy of ``params`` without the secret entries (for snapshot records)."""
    return {k: v for k, v in params.items() if not is_secret(k)}


def retry_after_seconds(value: str | None, *, clock: Clock) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - clock.now()).total_seconds())


def _retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


class HttpClient:
    """GET with retries, backoff with jitter, Retry-After and a minimum interval between calls.

    ``transport`` replaces the network (tests pass ``httpx.MockTransport``); ``sleep`` and
    ``clock`` replace the real ones so tests run instantly; ``rng`` makes the jitter repeatable.
    ``max_retries`` is the number of retries after the first try.
    """

    def __init__(
        self,
        timeout_s: float = 60.0,
        max_retries: int = 5,
        min_interval_s: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Clock | None = None,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        max_retry_after_s: float = 600.0,
        rng: random.Random | None = None,
        user_agent: str = "supplywatch (critical-materials early warning)",
    ) -> None:
        if max_retries < 0 or timeout_s <= 0 or min_interval_s < 0:
            raise ValueError("timeout_s > 0, max_retries >= 0 and min_interval_s >= 0 required")
        self.max_retries = max_retries
        self.min_interval_s = min_interval_s
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.max_retry_after_s = max_retry_after_s
        self._sleep = sleep
        self._clock = clock
        # An HTTP-date Retry-After is compared with the real time (transport timing, not a
        # business date); tests pass a FixedClock.
        self._wall_clock = wall_clock or SystemClock()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._last_call: float | None = None
        self._client = httpx.Client(
            timeout=timeout_s,
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": user_agent},
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, min_interval_s: float = 1.0) -> Self:
        """A client with the timeout and retry count of ``settings``."""
        return cls(
            timeout_s=settings.http_timeout_s,
            max_retries=settings.http_max_retries,
            min_interval_s=min_interval_s,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def backoff_s(self, retry: int) -> float:
        """Wait before retry number ``retry`` (1-based): half fixed, half random ("equal
        jitter") of ``base * 2**(retry-1)``, capped at ``backoff_max_s``."""
        step = min(self.backoff_max_s, self.backoff_base_s * 2 ** (retry - 1))
        return float(step / 2 + self._rng.uniform(0, step / 2))

    def _wait_turn(self) -> None:
        if self._last_call is not None:
            wait = self._last_call + self.min_interval_s - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_call = self._clock()

    def get(
        self,
        url: str,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """GET ``url``; the response of the first successful (2xx) try.

        Raises FetchError for a non-retryable status (3xx, 4xx other than 429) at once, and after
        the last try for timeouts, connection failures, 429 and 5xx.
        """
        return self._send("GET", url, params, headers, None)

    def post(
        self,
        url: str,
        data: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST a form ``data`` to ``url`` (list APIs that take their query as a form), with
        the same retries, pacing and errors as ``get``."""
        return self._send("POST", url, None, headers, data)

    def _send(
        self,
        method: str,
        url: str,
        params: Params | None,
        headers: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
    ) -> httpx.Response:
        request = self._client.build_request(
            method, url, params=params, headers=headers, data=dict(data) if data else None
        )
        shown = redact_url(str(request.url))
        given = {**(params or {}), **(data or {}), **(headers or {})}
        secrets = [str(v) for k, v in given.items() if is_secret(k) and str(v)]
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            self._wait_turn()
            log.debug("%s %s (try %d/%d)", method, shown, attempt, attempts)
            try:
                response = self._client.send(request)
            except (httpx.TimeoutException, httpx.ConnectError, httpx.RemoteProtocolError) as exc:
                message = _scrub(f"{type(exc).__name__}: {exc}", secrets)
                if attempt == attempts:
                    raise FetchError(shown, message, None, attempt) from None
                delay = self.backoff_s(attempt)
                log.warning("%s %s: %s; retrying in %.1f s", method, shown, message, delay)
                self._sleep(delay)
                continue
            if response.is_success:
                return response
            status = response.status_code
            if not _retryable_status(status):
                raise FetchError(shown, _reason(response, secrets), status, attempt)
            if attempt == attempts:
                raise FetchError(shown, _reason(response, secrets), status, attempt)
            delay = self._retry_delay(response, attempt)
            log.warning("%s %s: HTTP %d; retrying in %.1f s", method, shown, status, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_delay(self, response: httpx.Response, attempt: int) -> float:
        after = retry_after_seconds(response.headers.get("Retry-After"), clock=self._wall_clock)
        if after is None:
            return self.backoff_s(attempt)
        return min(after, self.max_retry_after_s)


def _reason(response: httpx.Response, secrets: list[str]) -> str:
    text = response.text[:200].strip().replace("\n", " ")
    reason = response.reason_phrase or "error"
    return _scrub(f"{reason}: {text}" if text else reason, secrets)


def _scrub(text: str, secrets: list[str]) -> str:
    for s in secrets:
        text = text.replace(s, REDACTED)
    return text
