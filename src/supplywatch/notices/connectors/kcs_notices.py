"""Korea Customs Service notices (공지사항) at customs.go.kr; each notice is
``selectNttInfo.do?...&nttSn=<id>``."""

from __future__ import annotations

import re

from supplywatch.notices.connectors import html_site

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


build_requests, fetch, parse = html_site.connector_functions(SITE)
