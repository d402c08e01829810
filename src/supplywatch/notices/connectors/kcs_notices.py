"""Korea Customs Service notices (공지사항) at customs.go.kr; each notice is
``selectNttInfo.do?...&nttSn=<id>``."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from supplywatch.notices.connectors import html_site
from supplywatch.notices.connectors.base import NoticeDoc, Request
from supplywatch.sources.http import HttpClient

SOURCE = "kcs_notices"
LIST_URL = "https://www.customs.go.kr/kcs/na/ntt/selectNttList.do?mi=2891&bbsId=1362"
PRODUCER = "Korea Customs Service (관세청)"
LICENCE = "Korea Open Government License (KOGL), as marked on customs.go.kr notices"
ATTRIBUTION = "Korea Customs Service, notices (공지사항)"
SITE = html_site.Site(
    source=SOURCE,
    producer=PRODUCER,
    licence=LICENCE,
    attribution=ATTRIBUTION,
    list_url=LIST_URL,
    article=re.compile(
        r"https?://www\.customs\.go\.kr/kcs/na/ntt/selectNttInfo\.do\?.*nttSn=\d+.*"
    ),
    language="ko",
    agency="관세청",
    kind="공지사항",
    page_url=lambda n: (
        f"https://www.customs.go.kr/kcs/na/ntt/selectNttList.do?mi=2891&bbsId=1362&currPage={n}"
    ),
)


def build_requests(**query: Any) -> list[Request]:
    return html_site.build_requests(SITE, **query)


def fetch(client: HttpClient, snapshot_dir: Path, now: datetime, **query: Any) -> Path:
    return html_site.fetch(SITE, client, snapshot_dir, now, **query)


def parse(snapshot: Path) -> list[NoticeDoc]:
    return html_site.parse(SITE, snapshot)
