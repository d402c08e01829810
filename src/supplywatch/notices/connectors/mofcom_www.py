"""MOFCOM's main site (``www.mofcom.gov.cn``) as its column pages load their lists: the list
is not in the page but comes from the site's JSON "unit" API, which answers the list markup
inside JSON.

``GET https://www.mofcom.gov.cn/api-gateway/jpaas-publish-server/front/page/build/unit`` with
``parseType=bulidstatic`` (the site's own spelling), ``webId=8f43c7ad3afc411fb56f281724b73708``,
``tplSetId=52551ea0e2c14bca8c84792f7aa37ead``, ``pageType=column``, ``tagId=分页列表``,
``editType=null`` and the column's ``pageId``; page n >= 2 adds
``paramJson={"pageNo":n,"pageSize":15}`` (the site's pager). No cookie or special header is
needed (the measured request sent none). The column page names these values in the
``queryData`` attribute of the script that loads ``unitbuild.js``. The response:
``{"code": "200", "success": true, "data": {"html": ...}, "message", "roles", "permissions",
"traceId"}``; ``data.html`` is the list fragment, ``div#分页列表 div.page-content
ul.txtList_01 > li``, each item ``<a href title>`` (href site-relative,
``/<column>/art/<YYYY>/art_<32 hex>.html``) and ``<span>[YYYY-MM-DD]</span>``, then
``div.pagination`` (``rows``, ``count``, ``pageNo``).

Learnt from public work, not from this machine (which cannot reach the site):
Northofqing/magic-market-data-rs @92afdbe8
``docs/evidence/2026-10-01-domestic-official-listing-endpoints.md`` (a measured request of
the 日常新闻发布 column, page 1 and page 2: envelope, markup, pager), hulelan/china-governance
@40b82f3a ``crawlers/mofcom.py`` and WilliamSkyWalker/quantization @719a946b
``scripts/gov_policy_fetch.py`` (the 政策发布 column, ``pageId=fc8bdff4...``, paged with
``paramJson``). The ``pageId`` of the 部令公告 column (``/zcfb/blgg/``) was not found in public
sources, so that column is not offered; the 政策发布 column carries the ministry's announcements
(公告) among its policy releases. No byte-true response is held here
(tests/data/notices/recorded/README.md). Each listed notice's page is fetched as HTML and
kept unchanged, like the HTML lists (html_site.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from supplywatch.errors import ConfigError, DataError
from supplywatch.notices.connectors import html_site
from supplywatch.notices.connectors.base import NoticeDoc, Request
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import write_snapshot

SOURCE = "mofcom_www"
HOST = "https://www.mofcom.gov.cn"
LIST_URL = f"{HOST}/api-gateway/jpaas-publish-server/front/page/build/unit"
PRODUCER = "Ministry of Commerce of the People's Republic of China (商务部)"
LICENCE = "PRC government documents: excluded from copyright (PRC Copyright Law art. 5)"
ATTRIBUTION = "Ministry of Commerce of the PRC, www.mofcom.gov.cn (column list API)"
#: The query every list request carries (the column's pageId is added per list).
UNIT_QUERY = {
    "parseType": "bulidstatic",
    "webId": "8f43c7ad3afc411fb56f281724b73708",
    "tplSetId": "52551ea0e2c14bca8c84792f7aa37ead",
    "pageType": "column",
    "tagId": "分页列表",
    "editType": "null",
}
PAGE_SIZE = 15
MAX_PAGES = 10
_PAGE = re.compile(r"https?://www\.mofcom\.gov\.cn/(?:[a-z0-9]+/)+art/\d{4}/art_[0-9a-f]{32}\.html")
_DAY = re.compile(r"\[?\s*(\d{4})-(\d{2})-(\d{2})\s*\]?")


@dataclass(frozen=True)
class Column:
    """One list of the site: its unit ``pageId``, the page that shows it, the notices' kind."""

    page_id: str
    page: str
    kind: str


COLUMNS = {
    "zcfb": Column("fc8bdff48fa345a48b651c1285b70b8f", f"{HOST}/zwgk/zcfb/index.html", "政策发布"),
    "rcxwfb": Column(
        "95d89972d8aa4fcea511701cd0f212d9", f"{HOST}/xwfb/rcxwfb/index.html", "新闻发布"
    ),
}


def build_requests(*, list_name: str = "zcfb", pages: str | int = 1) -> list[Request]:
    """The list requests (query in ``params``) of one fetch."""
    if list_name not in COLUMNS:
        raise ConfigError(f"list {list_name!r}: known {', '.join(COLUMNS)}")
    try:
        n = int(pages)
    except ValueError:
        raise ConfigError(f"pages {pages!r}: expected a whole number") from None
    if not 1 <= n <= MAX_PAGES:
        raise ConfigError(f"pages {n}: must be between 1 and {MAX_PAGES}")
    out = []
    for i in range(1, n + 1):
        params = {**UNIT_QUERY, "pageId": COLUMNS[list_name].page_id}
        if i > 1:
            params["paramJson"] = json.dumps(
                {"pageNo": i, "pageSize": PAGE_SIZE}, separators=(",", ":")
            )
        out.append(Request(LIST_URL, params, f"list_p{i}.json"))
    return out


class _Items(HTMLParser):
    """The items of ``ul.txtList_01``: each ``li``'s first anchor (attributes, text) and the
    text of its ``span`` outside the anchor."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = False
        self.items: list[dict[str, Any]] = []
        self._uls: list[bool] = []  # open ul elements: is it ul.txtList_01?
        self._lists = 0  # how many of them are
        self._in: str | None = None  # "a" or "span" of the current item

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "ul":
            self._uls.append("txtList_01" in a.get("class", "").split())
            self._lists += self._uls[-1]
            self.found = self.found or self._uls[-1]
        elif self._lists and tag == "li":
            self.items.append({"a": None, "text": "", "span": ""})
        elif self._lists and self.items and tag == "a" and self.items[-1]["a"] is None:
            self.items[-1]["a"] = a
            self._in = "a"
        elif self._lists and self.items and tag == "span" and self._in is None:
            self._in = "span"

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self._uls:
            self._lists -= self._uls.pop()
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "a":
            self.items[-1]["text"] += data
        elif self._in == "span":
            self.items[-1]["span"] += data


def _fragment(body: bytes, name: str) -> str:
    """``data.html`` of a unit response; DataError when the envelope says otherwise."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DataError(name, "not JSON (the unit API answers JSON)") from None
    if not isinstance(payload, dict):
        raise DataError(name, "not a JSON object")
    if payload.get("success") is not True or str(payload.get("code")) != "200":
        raise DataError(
            name,
            "the API reports a failure",
            column="success",
            value=f"code={payload.get('code')!r} message={payload.get('message')!r}",
        )
    html = payload.get("data", {}).get("html") if isinstance(payload.get("data"), dict) else None
    if not isinstance(html, str):
        raise DataError(name, "no data.html list markup", column="data.html")
    return html


def list_rows(body: bytes, name: str) -> list[dict[str, Any]]:
    """The notices of one list response: absolute URL, title, date; errors name the row
    (the item's position in the list) and the field."""
    p = _Items()
    p.feed(_fragment(body, name))
    p.close()
    if not p.found:
        raise DataError(name, "no ul.txtList_01 list in data.html", column="data.html")
    out = []
    for i, item in enumerate(p.items, start=1):
        a = item["a"]
        href = a.get("href", "").strip() if a else ""
        url = urljoin(f"{HOST}/", href) if href else ""
        if not _PAGE.fullmatch(url):
            raise DataError(
                name, "link is not a notice page of the site", row=i, column="a@href", value=href
            )
        title = " ".join((a.get("title") or item["text"]).split()) if a else ""
        if not title:
            raise DataError(name, "title missing", row=i, column="a@title")
        m = _DAY.fullmatch(item["span"].strip())
        try:
            day = date(int(m[1]), int(m[2]), int(m[3])) if m else None
        except ValueError:
            day = None
        if day is None:
            raise DataError(
                name, "date is not [YYYY-MM-DD]", row=i, column="span", value=item["span"].strip()
            )
        out.append({"url": url, "title": title, "published": day})
    return out


def fetch(
    client: HttpClient,
    snapshot_dir: Path,
    now: datetime,
    *,
    list_name: str = "zcfb",
    pages: str | int = 1,
    max_items: str | int = 50,
) -> Path:
    """GET the list pages, GET the notice pages they name, keep all unchanged in one
    snapshot."""
    files, rows, urls = html_site.fetch_api_lists(
        client,
        build_requests(list_name=list_name, pages=pages),
        lambda r: (client.get(r.url, r.params).content, f"{r.url}?{urlencode(r.params)}"),
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
        url=COLUMNS[list_name].page,
        vintage=f"{SOURCE} list {list_name}, fetched {now:%Y-%m-%dT%H:%MZ}",
        vintage_date=now.date(),
        query={"files": urls, "list": list_name},
        rows=rows,
        note="Unit API responses (list_p*.json) and notice pages (notice_*.html), unchanged.",
        now=now,
    )


def parse(snapshot: Path) -> list[NoticeDoc]:
    """Every notice the snapshot's list responses name, with its page's text where held."""
    query, listed = html_site.listed_notices(snapshot, list_rows)
    name = str(query.get("list") or "zcfb")
    if name not in COLUMNS:
        raise DataError(
            str(Path(snapshot) / "snapshot.json"), "unknown list", column="query.list", value=name
        )
    return [
        NoticeDoc(
            source=SOURCE,
            doc_id=urlsplit(url).path,
            url=url,
            title=e["title"],
            published=e["published"],
            language="zh",
            text=text,
            file_name=file_name,
            row=row,
            agency="商务部",
            kind=COLUMNS[name].kind,
        )
        for e, url, file_name, row, text in listed
    ]
