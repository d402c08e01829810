"""Notice lists published as HTML pages (ministries' announcement lists), read the same way
for every such site: the list pages name the notices (link, title, date); each notice's own
page holds its text.

A site is declared once (:class:`Site`): its list URL (and how later pages are addressed),
which links are notices (a pattern on the absolute URL), the language and issuing body. A
fetch keeps every list page and every notice page byte for byte in one snapshot; the
snapshot's ``query`` maps each file to the URL it came from, so ``parse`` needs nothing but
the snapshot. Pages are decoded by their declared charset (HTTP meta tag), else UTF-8, else
GB18030 (Chinese sites); no page is ever re-encoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from supplywatch.errors import ConfigError, DataError
from supplywatch.notices.connectors.base import NoticeDoc, Request
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import read_snapshot, write_snapshot

_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.I)
_DATE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})")
_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "select", "option", "form"}
_BLOCK = {
    "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table",
    "section", "article", "dd", "dt", "ul", "ol", "pre", "blockquote",
}  # fmt: skip
MAX_PAGES = 20
MAX_ITEMS = 200


@dataclass(frozen=True)
class Site:
    """One HTML notice list: everything its connector needs to know."""

    source: str
    producer: str
    licence: str
    attribution: str
    list_url: str
    article: re.Pattern[str]  # absolute URLs of notice pages
    language: str
    agency: str
    kind: str
    page_url: Callable[[int], str] | None = None  # list page n (n >= 2); None: one page only
    lists: dict[str, str] = field(default_factory=dict)  # other lists: name -> URL
    list_languages: dict[str, str] = field(default_factory=dict)  # list name -> language
    #: Where a list names its notices without a plain link (a script call such as
    #: ``article.view('123')``, or ``data-id`` attributes): the notice URL from the anchor's
    #: attributes (href, onclick, data-*), or None when it names none.
    link_from: Callable[[dict[str, str]], str | None] | None = None


def decode(body: bytes, name: str) -> str:
    """The page as text, by its declared charset, else UTF-8, else GB18030."""
    m = _CHARSET.search(body[:4096])
    tried = [m.group(1).decode("ascii").lower()] if m else []
    for enc in [*tried, "utf-8", "gb18030"]:
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    raise DataError(name, "cannot decode the page (declared charset, UTF-8 and GB18030 fail)")


class _Links(HTMLParser):
    """Anchors with their attributes, their title, the text of their list item before them
    and the text that follows them up to the next item (list pages print the date on either
    side: ``<a>..</a><span>date</span>`` or ``<p>date</p><a>..</a>``)."""

    _ITEM = ("li", "tr", "dd", "dt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, Any]] = []
        self._in_a: dict[str, Any] | None = None
        self._skip = 0
        self._before = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            a = {k: v or "" for k, v in attrs}
            self._in_a = {
                "href": a.get("href") or "",
                "title": a.get("title") or "",
                "attrs": a,
                "text": "",
                "after": "",
                "before": self._before,
            }
            self.links.append(self._in_a)
        elif tag in self._ITEM:
            self._before = ""
            if self.links:
                self.links[-1]["closed"] = True
        elif tag == "p" and self.links:
            self.links[-1]["closed"] = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag == "a":
            self._in_a = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_a is not None:
            self._in_a["text"] += data
            return
        self._before += data
        if self.links and not self.links[-1].get("closed"):
            self.links[-1]["after"] += data


class _Text(HTMLParser):
    """The visible text of a page, block elements on their own lines; the <title> apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.h1 = ""
        self._skip = 0
        self._where: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in _SKIP:
            self._skip += 1
        if tag in ("title", "h1"):
            self._where.append(tag)
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag in ("title", "h1") and self._where and self._where[-1] == tag:
            self._where.pop()
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._where and self._where[-1] == "title":
            self.title += data
            return
        if self._where and self._where[-1] == "h1":
            self.h1 += data
        if not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        lines = (
            re.sub(r"[ \t\u3000\xa0]+", " ", ln).strip() for ln in "".join(self.parts).split("\n")
        )
        return "\n".join(ln for ln in lines if ln)


def page_text(html: str) -> tuple[str | None, str]:
    """(title, visible text) of a notice page."""
    p = _Text()
    p.feed(html)
    p.close()
    title = " ".join((p.h1 or p.title).split()) or None
    return title, p.text()


def _day(text: str) -> date | None:
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def list_entries(site: Site, html: str, base_url: str) -> list[dict[str, Any]]:
    """The notices a list page names: absolute URL, title and date (None: not printed)."""
    p = _Links()
    p.feed(html)
    p.close()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for a in p.links:
        built = site.link_from(a["attrs"]) if site.link_from is not None else None
        url = urljoin(base_url, (built or a["href"]).strip())
        if not site.article.fullmatch(url) or url in seen:
            continue
        seen.add(url)
        title = " ".join((a["title"] or a["text"]).split()) or None
        published = _day(a["after"]) or _day(a["before"][-40:])
        out.append({"url": url, "title": title, "published": published})
    return out


def build_requests(
    site: Site, *, pages: str | int = 1, list_name: str | None = None
) -> list[Request]:
    """The list pages of one fetch (the notice pages follow from them)."""
    try:
        n = int(pages)
    except ValueError:
        raise ConfigError(f"pages {pages!r}: expected a whole number") from None
    if not 1 <= n <= MAX_PAGES:
        raise ConfigError(f"pages {n}: must be between 1 and {MAX_PAGES}")
    if list_name is not None and list_name not in site.lists:
        known = ", ".join(site.lists) or "none"
        raise ConfigError(f"list {list_name!r}: unknown for {site.source} (known: {known})")
    first = site.lists[list_name] if list_name else site.list_url
    if n > 1 and (site.page_url is None or list_name):
        raise ConfigError(f"{site.source}: only the first list page can be fetched")
    urls = [first] + [site.page_url(i) for i in range(2, n + 1)] if site.page_url else [first]
    return [Request(u, {}, f"list_p{i}.html") for i, u in enumerate(urls[:n], start=1)]


def item_limit(max_items: str | int) -> int:
    """How many notice pages a fetch may follow (0..MAX_ITEMS); ConfigError otherwise."""
    try:
        limit = int(max_items)
    except ValueError:
        raise ConfigError(f"max_items {max_items!r}: expected a whole number") from None
    if not 0 <= limit <= MAX_ITEMS:
        raise ConfigError(f"max_items {limit}: must be between 0 and {MAX_ITEMS}")
    return limit


def fetch_pages(
    client: HttpClient,
    entries: list[dict[str, Any]],
    files: dict[str, bytes],
    rows: dict[str, int],
    urls: dict[str, str],
) -> None:
    """GET each listed notice's page into the snapshot's files as ``notice_NNN.html``."""
    for i, e in enumerate(entries, start=1):
        name = f"notice_{i:03d}.html"
        files[name], rows[name], urls[name] = client.get(e["url"]).content, 1, e["url"]


def fetch(
    site: Site,
    client: HttpClient,
    snapshot_dir: Path,
    now: datetime,
    *,
    pages: str | int = 1,
    max_items: str | int = 50,
    list_name: str | None = None,
) -> Path:
    """Fetch list pages and the notice pages they name into one snapshot."""
    limit = item_limit(max_items)
    files: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    urls: dict[str, str] = {}
    entries: list[dict[str, Any]] = []
    for req in build_requests(site, pages=pages, list_name=list_name):
        body = client.get(req.url).content
        found = list_entries(site, decode(body, req.file_name), req.url)
        files[req.file_name], rows[req.file_name], urls[req.file_name] = body, len(found), req.url
        entries += found
    fetch_pages(client, entries[:limit], files, rows, urls)
    return write_snapshot(
        snapshot_dir,
        site.source,
        files,
        producer=site.producer,
        licence=site.licence,
        attribution=site.attribution,
        url=site.list_url,
        vintage=f"{site.source} notice list, fetched {now:%Y-%m-%dT%H:%MZ}",
        vintage_date=now.date(),
        query={"files": urls, "list": list_name or "default"},
        rows=rows,
        note="Raw HTML list pages (list_p*) and notice pages (notice_*), unchanged.",
        now=now,
    )


def parse_files(
    site: Site, pages: dict[str, tuple[str, bytes]], list_name: str | None = None
) -> list[NoticeDoc]:
    """Notices from list and notice pages: file name -> (URL it came from, bytes)."""
    language = site.list_languages.get(list_name or "", site.language)
    listed: dict[str, tuple[dict[str, Any], str, int]] = {}
    for name, (url, body) in pages.items():
        if name.startswith("list_"):
            for row, e in enumerate(list_entries(site, decode(body, name), url), start=1):
                listed.setdefault(e["url"], (e, name, row))
    by_url = {url: name for name, (url, _b) in pages.items() if name.startswith("notice_")}
    out: list[NoticeDoc] = []
    for url, (e, list_file, row) in listed.items():
        text = title = None
        file_name = list_file
        if url in by_url:
            file_name, row = by_url[url], 1
            title, text = page_text(decode(pages[file_name][1], file_name))
        published = e["published"] or (_day(text[:600]) if text else None)
        out.append(
            NoticeDoc(
                source=site.source,
                doc_id=urlsplit(url).path,
                url=url,
                title=e["title"] or title,
                published=published,
                language=language,
                text=text,
                file_name=file_name,
                row=row,
                agency=site.agency,
                kind=site.kind,
            )
        )
    return out


def fetch_api_lists(
    client: HttpClient,
    requests: list[Request],
    send: Callable[[Request], tuple[bytes, str]],
    list_rows: Callable[[bytes, str], list[dict[str, Any]]],
    max_items: str | int,
) -> tuple[dict[str, bytes], dict[str, int], dict[str, str]]:
    """The list API responses (``send`` answers each request's body and the URL to record)
    and the notice pages they name, up to ``max_items``: files, row counts and URLs of one
    snapshot (mofcom_ec, mofcom_www)."""
    limit = item_limit(max_items)
    files: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    urls: dict[str, str] = {}
    entries: list[dict[str, Any]] = []
    for req in requests:
        body, url = send(req)
        found = list_rows(body, req.file_name)
        files[req.file_name], rows[req.file_name], urls[req.file_name] = body, len(found), url
        entries += found
    fetch_pages(client, entries[:limit], files, rows, urls)
    return files, rows, urls


def _url_of(snapshot: Path, urls: dict[str, Any], name: str) -> str:
    """The URL a snapshot's file was fetched from (snapshot.json ``query.files``)."""
    if name not in urls:
        raise DataError(
            str(Path(snapshot) / "snapshot.json"),
            "no URL recorded for a file",
            column="query.files",
            value=name,
        )
    return str(urls[name])


#: One notice a list API named: (list entry, URL, file it is read from, row, page text).
Listed = tuple[dict[str, Any], str, str, int, str | None]


def listed_notices(
    snapshot: Path, list_rows: Callable[[bytes, str], list[dict[str, Any]]]
) -> tuple[dict[str, Any], list[Listed]]:
    """The snapshot's query and every notice its list responses (``list_*`` files, read by
    ``list_rows``) name, with the text of its page where the snapshot holds it (the page is
    then the file and row 1); for the list APIs (mofcom_ec, mofcom_www)."""
    prov, query = read_snapshot(snapshot)
    urls = query.get("files") or {}
    listed: dict[str, tuple[dict[str, Any], str, int]] = {}
    pages: dict[str, str] = {}
    for f in prov.files:
        body = (Path(snapshot) / f.name).read_bytes()
        if f.name.startswith("list_"):
            for row, e in enumerate(list_rows(body, f.name), start=1):
                listed.setdefault(e["url"], (e, f.name, row))
            continue
        pages[_url_of(snapshot, urls, f.name)] = f.name
    out: list[Listed] = []
    for url, (e, file_name, row) in listed.items():
        text = None
        if url in pages:
            file_name, row = pages[url], 1
            _title, text = page_text(decode((Path(snapshot) / file_name).read_bytes(), file_name))
        out.append((e, url, file_name, row, text))
    return query, out


def parse(site: Site, snapshot: Path) -> list[NoticeDoc]:
    """Every notice a snapshot lists, with its page's text where the snapshot holds it."""
    prov, query = read_snapshot(snapshot)
    urls = query.get("files") or {}
    pages: dict[str, tuple[str, bytes]] = {}
    for f in prov.files:
        pages[f.name] = (_url_of(snapshot, urls, f.name), (Path(snapshot) / f.name).read_bytes())
    name = query.get("list")
    return parse_files(site, pages, None if name in (None, "default") else str(name))


def connector_functions(
    site: Site,
) -> tuple[
    Callable[..., list[Request]],
    Callable[..., Path],
    Callable[[Path], list[NoticeDoc]],
]:
    """``build_requests``, ``fetch`` and ``parse`` of the connector contract (base.py) for
    one declared site: a site's module is its declaration and these three."""

    def build(**query: Any) -> list[Request]:
        return build_requests(site, **query)

    def fetch_site(client: HttpClient, snapshot_dir: Path, now: datetime, **query: Any) -> Path:
        return fetch(site, client, snapshot_dir, now, **query)

    def parse_site(snapshot: Path) -> list[NoticeDoc]:
        return parse(site, snapshot)

    return build, fetch_site, parse_site
