"""METI news releases (ニュースリリース), Japanese list at meti.go.jp/press/ and English list
(``list=english``) at meti.go.jp/english/press/; each release is
``/press/<fiscal year>/<MM>/<YYYYMMDDnnn>/<YYYYMMDDnnn>.html``."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from supplywatch.notices.connectors import html_site
from supplywatch.notices.connectors.base import NoticeDoc, Request
from supplywatch.sources.http import HttpClient

SOURCE = "meti"
LIST_URL = "https://www.meti.go.jp/press/index.html"
PRODUCER = "Ministry of Economy, Trade and Industry of Japan (経済産業省)"
LICENCE = "Government of Japan Standard Terms of Use (Version 2.0)"
ATTRIBUTION = "Ministry of Economy, Trade and Industry (METI), news releases"
SITE = html_site.Site(
    source=SOURCE,
    producer=PRODUCER,
    licence=LICENCE,
    attribution=ATTRIBUTION,
    list_url=LIST_URL,
    article=re.compile(
        r"https?://www\.meti\.go\.jp/(?:english/)?press/\d{4}/\d{2}/\d{8}\d*/\d{8}\d*\.html"
    ),
    language="ja",
    agency="経済産業省",
    kind="報道発表",
    page_url=None,
    lists={"english": "https://www.meti.go.jp/english/press/index.html"},
    list_languages={"english": "en"},
)


def build_requests(**query: Any) -> list[Request]:
    return html_site.build_requests(SITE, **query)


def fetch(client: HttpClient, snapshot_dir: Path, now: datetime, **query: Any) -> Path:
    return html_site.fetch(SITE, client, snapshot_dir, now, **query)


def parse(snapshot: Path) -> list[NoticeDoc]:
    return html_site.parse(SITE, snapshot)
