"""GACC announcements (海关总署公告): the list at customs.gov.cn; each notice page is
``/customs/302249/302266/302267/<id>/index.html``."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from supplywatch.notices.connectors import html_site
from supplywatch.notices.connectors.base import NoticeDoc, Request
from supplywatch.sources.http import HttpClient

SOURCE = "gacc"
LIST_URL = "http://www.customs.gov.cn/customs/302249/302266/302267/index.html"
PRODUCER = "General Administration of Customs of the PRC (海关总署)"
LICENCE = "PRC government documents: excluded from copyright (PRC Copyright Law art. 5)"
ATTRIBUTION = "General Administration of Customs of the PRC, announcements (海关总署公告)"
SITE = html_site.Site(
    source=SOURCE,
    producer=PRODUCER,
    licence=LICENCE,
    attribution=ATTRIBUTION,
    list_url=LIST_URL,
    article=re.compile(
        r"https?://www\.customs\.gov\.cn/customs/302249/302266/302267/\d+/index\.html"
    ),
    language="zh",
    agency="海关总署",
    kind="公告",
    page_url=lambda n: f"http://www.customs.gov.cn/customs/302249/302266/302267/index_{n}.html",
)


def build_requests(**query: Any) -> list[Request]:
    return html_site.build_requests(SITE, **query)


def fetch(client: HttpClient, snapshot_dir: Path, now: datetime, **query: Any) -> Path:
    return html_site.fetch(SITE, client, snapshot_dir, now, **query)


def parse(snapshot: Path) -> list[NoticeDoc]:
    return html_site.parse(SITE, snapshot)
