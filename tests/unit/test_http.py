"""The connectors' HTTP client: retries, backoff, Retry-After, rate limit, redaction.

Every request is answered by an ``httpx.MockTransport`` serving recorded responses; the real
transport and sockets are disabled, so no test can reach the network.
"""

from __future__ import annotations

import logging
import random
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from supplywatch.clock import FixedClock
from supplywatch.sources.http import (
    FetchError,
    HttpClient,
    redact_url,
    retry_after_seconds,
    without_secrets,
)

DATA = Path(__file__).resolve().parents[1] / "data"
RECORDED = (DATA / "comtrade" / "preview_envelope_KOR_M_2504_2023.json").read_bytes()
URL = "https://comtradeapi.un.org/public/v1/preview/C/A/HS"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("tests must not touch the network")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(
    responses: list[httpx.Response | Exception],
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering each call with the next scripted response (or raising it)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host != "comtradeapi.un.org":
            raise AssertionError(f"unexpected URL {request.url}")
        seen.append(request)
        item = responses[len(seen) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler), seen


def client(transport: httpx.MockTransport, t: FakeTime, **kw: object) -> HttpClient:
    opts: dict[str, object] = {"max_retries": 3, "min_interval_s": 0.0, "rng": random.Random(7)}
    opts.update(kw)
    return HttpClient(
        timeout_s=5,
        transport=transport,
        sleep=t.sleep,
        clock=t.clock,
        **opts,  # type: ignore[arg-type]
    )


def test_429_with_retry_after_then_200_serves_the_recorded_body() -> None:
    t = FakeTime()
    transport, seen = scripted(
        [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, content=RECORDED)]
    )
    with client(transport, t) as c:
        r = c.get(URL, params={"reporterCode": "410"})
    assert r.status_code == 200 and r.content == RECORDED
    assert len(seen) == 2 and seen[1].url.params["reporterCode"] == "410"
    assert t.sleeps == [7.0]


def test_retry_after_as_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    clock = FixedClock(now)
    assert retry_after_seconds(header, clock=clock) == pytest.approx(30.0)
    assert retry_after_seconds("120", clock=clock) == 120.0
    assert retry_after_seconds(None, clock=clock) is None
    assert retry_after_seconds("soon", clock=clock) is None


def test_retry_after_is_capped() -> None:
    t = FakeTime()
    transport, _ = scripted(
        [httpx.Response(503, headers={"Retry-After": "99999"}), httpx.Response(200)]
    )
    with client(transport, t, max_retry_after_s=60.0) as c:
        c.get(URL)
    assert t.sleeps == [60.0]


def test_500_every_time_raises_fetch_error_after_backoff() -> None:
    t = FakeTime()
    transport, seen = scripted([httpx.Response(500, text="Internal Server Error")] * 4)
    with client(transport, t, backoff_base_s=1.0) as c, pytest.raises(FetchError) as info:
        c.get(URL, params={"period": "2023"})
    err = info.value
    assert err.status == 500 and err.attempts == 4 and len(seen) == 4
    assert "HTTP 500" in str(err) and "period=2023" in str(err)
    # equal jitter: retry k waits between half and all of base * 2**(k-1)
    assert len(t.sleeps) == 3
    for k, slept in enumerate(t.sleeps, start=1):
        step = 2 ** (k - 1)
        assert step / 2 <= slept <= step


def test_backoff_is_capped() -> None:
    t = FakeTime()
    transport, _ = scripted([])
    c = client(transport, t, backoff_base_s=10.0, backoff_max_s=15.0)
    assert all(7.5 <= c.backoff_s(k) <= 15.0 for k in range(3, 10))


def test_client_error_is_not_retried() -> None:
    t = FakeTime()
    transport, seen = scripted([httpx.Response(404, text="No data")])
    with client(transport, t) as c, pytest.raises(FetchError) as info:
        c.get(URL)
    assert info.value.status == 404 and info.value.attempts == 1 and len(seen) == 1
    assert t.sleeps == []


@pytest.mark.parametrize(
    "exc",
    [httpx.ReadTimeout("read timed out"), httpx.ConnectTimeout("connect timed out")],
)
def test_timeouts_are_retried(exc: Exception) -> None:
    t = FakeTime()
    transport, seen = scripted([exc, httpx.Response(200, content=RECORDED)])
    with client(transport, t) as c:
        assert c.get(URL).content == RECORDED
    assert len(seen) == 2 and len(t.sleeps) == 1


def test_timeouts_every_time_raise_without_status() -> None:
    t = FakeTime()
    transport, seen = scripted([httpx.ConnectTimeout("connect timed out")] * 3)
    with client(transport, t, max_retries=2) as c, pytest.raises(FetchError) as info:
        c.get(URL)
    assert info.value.status is None and info.value.attempts == 3 and len(seen) == 3
    assert "ConnectTimeout" in str(info.value) and "no response" in str(info.value)


def test_rate_limit_spaces_calls_by_min_interval() -> None:
    t = FakeTime()
    transport, seen = scripted([httpx.Response(200)] * 3)
    with client(transport, t, min_interval_s=2.0) as c:
        for _ in range(3):
            c.get(URL)
    assert len(seen) == 3
    assert t.sleeps == [2.0, 2.0]


def test_rate_limit_does_not_wait_when_time_has_passed() -> None:
    t = FakeTime()
    transport, _ = scripted([httpx.Response(200)] * 2)
    with client(transport, t, min_interval_s=2.0) as c:
        c.get(URL)
        t.now += 5.0
        c.get(URL)
    assert t.sleeps == []


def test_rate_limit_also_spaces_retries() -> None:
    t = FakeTime()
    transport, _ = scripted(
        [httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200)]
    )
    with client(transport, t, min_interval_s=1.5) as c:
        c.get(URL)
    assert t.sleeps == [0.0, 1.5]


def test_secrets_never_appear_in_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = "s3cr3t-KEY-value"
    t = FakeTime()

    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, text=f"invalid key {secret}")

    caplog.set_level(logging.DEBUG, logger="supplywatch")
    with (
        client(httpx.MockTransport(echo), t) as c,
        pytest.raises(FetchError) as info,
    ):
        c.get(
            "https://apis.data.go.kr/1220000/nitemtrade/getNitemtradeList",
            params={"serviceKey": secret, "hsSgn": "250410"},
            headers={"Ocp-Apim-Subscription-Key": secret},
        )
    text = str(info.value)
    assert secret not in text and "serviceKey=***" in text and "hsSgn=250410" in text
    assert secret not in caplog.text and "serviceKey=***" in caplog.text


def test_retry_warnings_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    t = FakeTime()
    transport, _ = scripted([httpx.Response(503), httpx.Response(200)])
    caplog.set_level(logging.WARNING, logger="supplywatch")
    with client(transport, t) as c:
        c.get(URL, params={"appId": "abc123", "x": "1"})
    assert "abc123" not in caplog.text and "appId=***" in caplog.text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h/p?serviceKey=abc&x=1", "https://h/p?serviceKey=***&x=1"),
        ("https://h/p?appId=abc", "https://h/p?appId=***"),
        ("https://h/p?subscription-key=abc", "https://h/p?subscription-key=***"),
        ("https://h/p", "https://h/p"),
        ("https://h/p?period=2023,2024", "https://h/p?period=2023,2024"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_without_secrets() -> None:
    assert without_secrets({"serviceKey": "k", "APPID": "k", "hsSgn": "2504"}) == {"hsSgn": "2504"}


def test_bad_settings_are_refused() -> None:
    bad: list[Callable[[], HttpClient]] = [
        lambda: HttpClient(timeout_s=0),
        lambda: HttpClient(max_retries=-1),
        lambda: HttpClient(min_interval_s=-1),
    ]
    for make in bad:
        with pytest.raises(ValueError, match="required"):
            make()


def test_redirects_are_not_followed() -> None:
    t = FakeTime()
    transport, seen = scripted(
        [httpx.Response(302, headers={"Location": "https://elsewhere.example/"})]
    )
    with client(transport, t) as c, pytest.raises(FetchError) as info:
        c.get(URL, headers={"Ocp-Apim-Subscription-Key": "K"})
    assert info.value.status == 302 and len(seen) == 1


def test_client_from_settings(tmp_path: Path) -> None:
    from supplywatch.settings import Settings

    s = Settings(db_path=tmp_path / "x.duckdb", http_timeout_s=12.5, http_max_retries=2)
    with HttpClient.from_settings(s, min_interval_s=0.5) as c:
        assert c.max_retries == 2 and c.min_interval_s == 0.5
