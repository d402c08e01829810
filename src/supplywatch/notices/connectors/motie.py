"""MOTIE press releases (보도자료): the list at motie.go.kr; each release is
``/kor/article/ATCL3f49a5a8c/<id>/view``."""

from __future__ import annotations

import re

from supplywatch.notices.connectors import html_site

SOURCE = "motie"
LIST_URL = "https://www.motie.go.kr/kor/article/ATCL3f49a5a8c"
PRODUCER = "Ministry of Trade, Industry and Energy of Korea (산업통상자원부)"
LICENCE = "Korea Open Government License (KOGL) Type 1, as marked on motie.go.kr press releases"
ATTRIBUTION = "Ministry of Trade, Industry and Energy (MOTIE), press releases (보도자료)"
SITE = html_site.Site(
    source=SOURCE,
    producer=PRODUCER,
    licence=LICENCE,
    attribution=ATTRIBUTION,
    list_url=LIST_URL,
    article=re.compile(r"https?://www\.motie\.go\.kr/kor/article/ATCL3f49a5a8c/\d+/view.*"),
    language="ko",
    agency="산업통상자원부",
    kind="보도자료",
    page_url=lambda n: f"https://www.motie.go.kr/kor/article/ATCL3f49a5a8c?pageIndex={n}",
)


build_requests, fetch, parse = html_site.connector_functions(SITE)
