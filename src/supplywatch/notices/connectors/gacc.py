"""GACC announcements (海关总署公告): the list at customs.gov.cn; each notice page is
``/customs/302249/302266/302267/<id>/index.html``."""

from __future__ import annotations

import re

from supplywatch.notices.connectors import html_site

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


build_requests, fetch, parse = html_site.connector_functions(SITE)
