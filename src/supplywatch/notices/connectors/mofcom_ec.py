"""MOFCOM's export-control information site (``exportcontrol.mofcom.gov.cn``) as its pages
load it: the list is not in the HTML but comes from a JSON API.

``POST http://exportcontrol.mofcom.gov.cn/edi_ecms_web_front/front/column/getColumnList`` with
the form ``pageNumber=<n>&columnID=<id>&title=``, headers ``X-Requested-With: XMLHttpRequest``
and ``Accept: application/json;charset=utf-8`` (without them the Chinese text comes back as
"?"). The response: ``{"pageInfo": {"rows": [{"id", "title", "url", "publishTimeStr",
"source", "columnName", ...}], "maxPageNum": n}}``, ``url`` site-relative
(``/article/zcfg/gnzcfg/zcfggzqd/202412/1072.html``). Column ids seen on the site: 9 (control
lists and announcements), 10 (domestic regulations). This shape is what several public
scrapers read from the live site (2025-26); no byte-true response is held here
(tests/data/notices/recorded/README.md). Each listed notice's page is fetched as HTML and kept
unchanged, like the HTML lists (html_site.py).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from supplywatch.errors import ConfigError, DataError
from supplywatch.notices.connectors import html_site
from supplywatch.notices.connectors.base import NoticeDoc, Request
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import write_snapshot

SOURCE = "mofcom_ec"
HOST = "http://exportcontrol.mofcom.gov.cn"
LIST_URL = f"{HOST}/edi_ecms_web_front/front/column/getColumnList"
PRODUCER = "Ministry of Commerce of the People's Republic of China (商务部)"
LICENCE = "PRC government documents: excluded from copyright (PRC Copyright Law art. 5)"
ATTRIBUTION = "Ministry of Commerce of the PRC, export control information site (list API)"
HEADERS = {"X-Requested-With": "XMLHttpRequest", "Accept": "application/json;charset=utf-8"}
COLUMNS = {"9": "control lists and announcements", "10": "domestic regulations"}
_PAGE = re.compile(r"/article/[a-z/]+/\d{6}/\d+\.html")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
MAX_PAGES = 10


def build_requests(*, column: str = "9", pages: str | int = 1) -> list[Request]:
    """The list requests (form fields in ``params``) of one fetch."""
    if column not in COLUMNS:
        raise ConfigError(f"column {column!r}: known {', '.join(COLUMNS)}")
    try:
        n = int(pages)
    except ValueError:
        raise ConfigError(f"pages {pages!r}: expected a whole number") from None
    if not 1 <= n <= MAX_PAGES:
        raise ConfigError(f"pages {n}: must be between 1 and {MAX_PAGES}")
    return [
        Request(
            LIST_URL, {"pageNumber": str(i), "columnID": column, "title": ""}, f"list_p{i}.json"
        )
        for i in range(1, n + 1)
    ]


def list_rows(body: bytes, name: str) -> list[dict[str, Any]]:
    """The notices of one list response: absolute URL, title, date; errors name the row."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DataError(name, "not JSON (the list API answers JSON)") from None
    rows = payload.get("pageInfo", {}).get("rows") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise DataError(name, "no pageInfo.rows array", column="pageInfo.rows")
    out = []
    for i, r in enumerate(rows, start=1):
        if not isinstance(r, dict):
            raise DataError(name, "row is not an object", row=i)
        url, title = r.get("url"), r.get("title")
        if not isinstance(url, str) or not _PAGE.fullmatch(url):
            raise DataError(name, "url is not a notice page of the site", row=i, column="url")
        if not isinstance(title, str) or not title.strip() or set(title.strip()) == {"?"}:
            raise DataError(
                name,
                "title missing or '?' (the API answers '?' without the XHR headers)",
                row=i,
                column="title",
            )
        m = _DAY.match(str(r.get("publishTimeStr") or ""))
        try:
            day = date(int(m[1]), int(m[2]), int(m[3])) if m else None
        except ValueError:
            day = None
        if day is None:
            raise DataError(name, "publishTimeStr is not a date", row=i, column="publishTimeStr")
        out.append({"url": urljoin(HOST, url), "title": " ".join(title.split()), "published": day})
    return out


def fetch(
    client: HttpClient,
    snapshot_dir: Path,
    now: datetime,
    *,
    column: str = "9",
    pages: str | int = 1,
    max_items: str | int = 50,
) -> Path:
    """POST the list pages, GET the notice pages they name, keep all unchanged in one
    snapshot."""
    files, rows, urls = html_site.fetch_api_lists(
        client,
        build_requests(column=column, pages=pages),
        lambda r: (client.post(r.url, r.params, HEADERS).content, r.url),
        list_rows,
        max_items,
    )
    return write_snapshot(
        snapshot_dir,
        SOURCE,
        files,
        producer=PRODUCER,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        url=LIST_URL,
        vintage=f"{SOURCE} column {column}, fetched {now:%Y-%m-%dT%H:%MZ}",
        vintage_date=now.date(),
        query={"files": urls, "column": column},
        rows=rows,
        note="List API responses (list_p*.json) and notice pages (notice_*.html), unchanged.",
        now=now,
    )


def parse(snapshot: Path) -> list[NoticeDoc]:
    """Every notice the snapshot's list responses name, with its page's text where held."""
    _query, listed = html_site.listed_notices(snapshot, list_rows)
    return [
        NoticeDoc(
            source=SOURCE,
            doc_id=url.removeprefix(HOST),
            url=url,
            title=e["title"],
            published=e["published"],
            language="zh",
            text=text,
            file_name=file_name,
            row=row,
            agency="商务部",
            kind="公告",
        )
        for e, url, file_name, row, text in listed
    ]
