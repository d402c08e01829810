"""Issue #13 findings that are about input and limits, each reproduced as it was found: the
answer is now a 4xx naming the field (never a 500, never a silent acceptance), and the
security headers are on every response."""

from __future__ import annotations

import pytest

from tests.service.conftest import Seeded

API = "/api/v1"


@pytest.mark.parametrize(
    ("path", "field", "text"),
    [
        ("/screen?importer=WLD", ["query"], "aggregate of countries, not an importer"),
        ("/explain/gallium?importer=WLD", ["query"], "aggregate of countries, not an importer"),
        ("/screen?importer=KOR&as_of=1970-01-01", ["query", "as_of"], "outside the data's range"),
        ("/explain/gallium?importer=KOR&as_of=1970-01-01", ["query", "as_of"], "outside"),
        ("/explain/gallium?importer=KOR&as_of=9999-12-31", ["query", "as_of"], "outside"),
        ("/measures?as_of=1999-12-31", ["query", "as_of"], "2000-01-01 .. 2026-11-24"),
        ("/stocks/cover?importer=KOR&as_of=2026-11-25", ["query", "as_of"], "(today)"),
        ("/alerts?as_of=9999-12-31", ["query", "as_of"], "(today)"),
    ],
)
def test_bad_importer_or_date_is_422(
    seeded_sqlite: Seeded, path: str, field: list[str], text: str
) -> None:
    r = seeded_sqlite.client.get(API + path, headers=seeded_sqlite.headers("KR", "admin"))
    assert r.status_code == 422, r.text
    (err,) = r.json()["detail"]
    assert err["loc"] == field and text in err["msg"]


def test_an_importer_without_trade_is_answered(seeded_sqlite: Seeded) -> None:
    """Antarctica: no trade rows at all (it used to fail on an empty integer column)."""
    r = seeded_sqlite.client.get(
        API + "/screen?importer=ATA&limit=1", headers=seeded_sqlite.headers("KR", "viewer")
    )
    assert r.status_code == 200
    row = r.json()["items"][0]
    assert row["item_state_code"] in {"partial", "no_data"}
    assert "no trade data for ATA" in (row["state_reason_text"] or "")


def _upload(s: Seeded, body: bytes) -> tuple[int, list[dict[str, object]]]:
    r = s.client.post(
        API + "/stocks/upload",
        headers=s.headers("KR", "analyst"),
        files={"file": ("s.csv", body, "text/csv")},
    )
    return r.status_code, r.json().get("detail", [])


def test_duplicated_csv_column_is_refused(seeded_sqlite: Seeded) -> None:
    code, detail = _upload(
        seeded_sqlite,
        b"item_id,holder,quantity_t,quantity_t,as_of_date\ngallium,national,1,5,2026-01-01\n",
    )
    assert code == 422
    assert detail == [
        {
            "loc": ["s.csv", "row 1", "quantity_t"],
            "msg": "column appears more than once",
            "type": "value_error",
        }
    ]


def test_csv_rows_and_columns_are_capped(seeded_sqlite: Seeded) -> None:
    st = seeded_sqlite.ws.settings
    rows = st.max_csv_rows + 1
    body = b"item_id,holder,quantity_t,as_of_date\n" + b"gallium,national,1,2026-01-01\n" * rows
    code, detail = _upload(seeded_sqlite, body)
    assert code == 422
    assert detail[0]["loc"] == ["s.csv", f"row {rows + 1}"]
    assert f"more than {st.max_csv_rows:,} rows" in str(detail[0]["msg"])
    wide = ",".join(f"c{i}" for i in range(st.max_csv_columns + 1)).encode() + b"\n"
    code, detail = _upload(seeded_sqlite, wide)
    assert code == 422 and "columns; at most" in str(detail[0]["msg"])
    kr = seeded_sqlite.principal("KR", "analyst")
    assert seeded_sqlite.ws.stocks(kr, 10, 0).total == 0  # type: ignore[arg-type]


def test_oversized_body_is_refused_before_authentication(seeded_sqlite: Seeded) -> None:
    """The 40 MB anonymous body of the probe: 413 from its Content-Length, not parsed, not a
    401 after parsing; and a streamed body without a length stops at the limit."""
    limit = seeded_sqlite.ws.settings.max_request_bytes
    big = b'{"x":"' + b"a" * (limit + 10) + b'"}'
    c = seeded_sqlite.client
    r = c.post(API + "/stocks", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["detail"]

    def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(big), 65536):
            yield big[i : i + 65536]

    r = c.post(API + "/stocks", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    r = c.post(
        API + "/stocks",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": "abc"},
    )
    assert r.status_code == 400


def test_security_headers_on_pages_and_api(seeded_sqlite: Seeded) -> None:
    c = seeded_sqlite.client
    for r in (c.get("/"), c.get(API + "/items"), c.get("/static/app.js")):
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-eval" not in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("method", "path", "kw", "code"),
    [
        ("GET", "/stocks?offset=9223372036854775808", {}, 422),
        ("GET", "/audit?offset=9223372036854775808", {}, 422),
        (
            "POST",
            "/plans",
            {
                "json": {
                    "budget_krw": 5e-324,
                    "budget_jpy": 5e9,
                    "krw_per_usd": 1400,
                    "jpy_per_usd": 150,
                    "materials": ["gallium"],
                    "paths": 100,
                }
            },
            422,
        ),
        (
            "POST",
            "/stocks",
            {
                "content": "[" * 50_000 + "]" * 50_000,
                "headers": {"Content-Type": "application/json"},
            },
            400,
        ),
        (
            "POST",
            "/stocks/upload",
            {"files": {"file": ("s.csv", b"item_id,holder,quantity_t,as_of_date\n\xff,n,1,x\n")}},
            422,
        ),
        (
            "POST",
            "/stocks",
            {
                "content": '{"entries": [{"item_id": "gallium", "holder": "national", '
                '"quantity_t": NaN, "as_of_date": "2026-01-01"}]}',
                "headers": {"Content-Type": "application/json"},
            },
            422,
        ),
    ],
)
def test_probe_requests_get_a_4xx(
    seeded_sqlite: Seeded, method: str, path: str, kw: dict[str, object], code: int
) -> None:
    """The probe's 500s (huge offsets, a denormal budget, JSON nested 50,000 deep, bad UTF-8
    in a CSV) and a NaN in JSON: each a 4xx with a message, never a 500 or a traceback."""
    headers = {**seeded_sqlite.headers("KR", "admin"), **kw.pop("headers", {})}  # type: ignore[dict-item]
    r = seeded_sqlite.client.request(method, API + path, headers=headers, **kw)  # type: ignore[arg-type]
    assert r.status_code == code, r.text
    assert "Traceback" not in r.text and r.json()["detail"]
