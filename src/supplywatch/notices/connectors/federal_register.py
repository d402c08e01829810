"""US Federal Register: documents by agency and topic (JSON API, no key).

``GET https://www.federalregister.gov/api/v1/documents.json`` with ``conditions[agencies][]``
(agency slugs, e.g. ``industry-and-security-bureau``), ``conditions[term]`` (full-text
search), ``conditions[publication_date][gte]`` (YYYY-MM-DD), ``order=newest``,
``per_page`` (at most 1000) and ``fields[]`` (the fields wanted). The response::

    {"count": 2, "description": "...", "total_pages": 1, "next_page_url": null,
     "results": [{"document_number": "2024-19633", "title": "...", "type": "Rule",
                  "abstract": "...", "publication_date": "2024-09-06",
                  "effective_on": "2024-09-06", "html_url": "https://www.federalregister.gov/...",
                  "agencies": [{"name": "Industry and Security Bureau", "slug": "...", ...}],
                  ...}]}

A fetch follows ``next_page_url`` up to ``max_pages``; each page is kept unchanged as one file
of the snapshot. The body text is not in the list: a notice's text here is its title and
abstract (enough for the extractor to decide whether to read the full document, which
``raw_text_url`` serves).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from supplywatch.errors import ConfigError, DataError
from supplywatch.notices.connectors.base import NoticeDoc, Request
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import read_snapshot, write_snapshot

SOURCE = "federal_register"
LIST_URL = "https://www.federalregister.gov/api/v1/documents.json"
PRODUCER = "Office of the Federal Register (NARA) and US Government Publishing Office"
LICENCE = "Public domain (US federal government works, 17 U.S.C. 105)"
ATTRIBUTION = "Federal Register, federalregister.gov API v1"
FIELDS = (
    "document_number",
    "title",
    "type",
    "abstract",
    "publication_date",
    "effective_on",
    "html_url",
    "raw_text_url",
    "agencies",
    "citation",
)
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,80}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DOC = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{2,30}")


def build_requests(
    *,
    agency: str = "industry-and-security-bureau",
    term: str | None = None,
    since: str | None = None,
    per_page: str | int = 100,
) -> list[Request]:
    """The first page's request (later pages come from ``next_page_url``)."""
    agencies = [a.strip() for a in agency.split(",") if a.strip()]
    if not agencies or not all(_SLUG.fullmatch(a) for a in agencies):
        raise ConfigError(f"agency {agency!r}: expected Federal Register agency slugs")
    try:
        n = int(per_page)
    except ValueError:
        raise ConfigError(f"per_page {per_page!r}: expected a whole number") from None
    if not 1 <= n <= 1000:
        raise ConfigError(f"per_page {n}: must be between 1 and 1000")
    params: dict[str, str] = {"order": "newest", "per_page": str(n)}
    for i, a in enumerate(agencies):
        params[f"conditions[agencies][{i}]"] = a
    if term:
        if len(term) > 200:
            raise ConfigError("term: at most 200 characters")
        params["conditions[term]"] = term
    if since:
        if not _DAY.fullmatch(since):
            raise ConfigError(f"since {since!r}: expected YYYY-MM-DD")
        try:
            date.fromisoformat(since)
        except ValueError:
            raise ConfigError(f"since {since!r}: not a date") from None
        params["conditions[publication_date][gte]"] = since
    for i, f in enumerate(FIELDS):
        params[f"fields[{i}]"] = f
    return [Request(LIST_URL, params, "documents_p1.json")]


def _page(body: bytes, name: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(name, f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results", []), list):
        raise DataError(name, "expected an object with a 'results' list", column="results")
    return data


def fetch(
    client: HttpClient,
    snapshot_dir: Path,
    now: datetime,
    *,
    max_pages: str | int = 5,
    **query: Any,
) -> Path:
    """Fetch the documents list (following ``next_page_url``) into one snapshot."""
    first = build_requests(**query)[0]
    files: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    url: str | None = first.url
    params: dict[str, str] | None = first.params
    for page in range(1, int(max_pages) + 1):
        if url is None:
            break
        if not url.startswith("https://www.federalregister.gov/api/v1/"):
            raise DataError(
                f"documents_p{page - 1}.json",
                "next_page_url leaves the API",
                column="next_page_url",
                value=url[:80],
            )
        name = f"documents_p{page}.json"
        body = client.get(url, params=params).content
        data = _page(body, name)
        files[name] = body
        rows[name] = len(data.get("results") or [])
        url, params = data.get("next_page_url"), None
    return write_snapshot(
        snapshot_dir,
        SOURCE,
        files,
        producer=PRODUCER,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        url=LIST_URL,
        vintage=f"Federal Register documents, fetched {now:%Y-%m-%dT%H:%MZ}",
        vintage_date=now.date(),
        query={"request": {"url": first.url, "params": first.params}},
        rows=rows,
        note="Raw JSON pages of the documents search, unchanged.",
        now=now,
    )


def _text(v: Any, name: str, row: int, col: str, *, required: bool = False) -> str | None:
    if v is None or v == "":
        if required:
            raise DataError(name, "missing", row=row, column=col)
        return None
    if not isinstance(v, str):
        raise DataError(name, "expected text", row=row, column=col, value=str(v)[:80])
    return v


def parse_page(body: bytes, name: str) -> list[NoticeDoc]:
    """The notices of one documents page."""
    out: list[NoticeDoc] = []
    for i, r in enumerate(_page(body, name).get("results") or [], start=1):
        if not isinstance(r, dict):
            raise DataError(name, "expected an object", row=i, column="results")
        doc = _text(r.get("document_number"), name, i, "document_number", required=True)
        assert doc is not None
        if not _DOC.fullmatch(doc):
            raise DataError(
                name, "not a document number", row=i, column="document_number", value=doc[:80]
            )
        url = _text(r.get("html_url"), name, i, "html_url", required=True)
        assert url is not None
        if not url.startswith("https://www.federalregister.gov/"):
            raise DataError(
                name, "not a federalregister.gov URL", row=i, column="html_url", value=url[:80]
            )
        day = _text(r.get("publication_date"), name, i, "publication_date", required=True)
        assert day is not None
        try:
            published = date.fromisoformat(day)
        except ValueError:
            raise DataError(
                name, "not a date", row=i, column="publication_date", value=day[:40]
            ) from None
        title = _text(r.get("title"), name, i, "title")
        abstract = _text(r.get("abstract"), name, i, "abstract")
        agencies = r.get("agencies") or []
        if not isinstance(agencies, list):
            raise DataError(name, "expected a list", row=i, column="agencies")
        names = [
            str(a.get("name") or a.get("raw_name"))
            for a in agencies
            if isinstance(a, dict) and (a.get("name") or a.get("raw_name"))
        ]
        parts = [p for p in (title, abstract) if p]
        out.append(
            NoticeDoc(
                source=SOURCE,
                doc_id=doc,
                url=url,
                title=title,
                published=published,
                language="en",
                text="\n\n".join(parts) if parts else None,
                file_name=name,
                row=i,
                agency="; ".join(names) or None,
                kind=_text(r.get("type"), name, i, "type"),
            )
        )
    return out


def parse(snapshot: Path) -> list[NoticeDoc]:
    """Every notice of a snapshot, in page order."""
    prov, _meta = read_snapshot(snapshot)
    out: list[NoticeDoc] = []
    for f in prov.files:
        out += parse_page((Path(snapshot) / f.name).read_bytes(), f.name)
    return out
