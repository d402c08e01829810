"""MOFCOM export-control notices: the policy list of the Ministry of Commerce's export-control
information site (``exportcontrol.mofcom.gov.cn``, 政策法规 > 国内政策法规 > 管制清单), and the
ministry's announcements list (``www.mofcom.gov.cn``, 商务部公告). Notice pages are
``/article/<section>/<YYYYMM>/<n>.html`` on the export-control site and
``/zcfb/.../art/<YYYY>/art_<hex>.html`` on the ministry's site."""

from __future__ import annotations

import re

from supplywatch.notices.connectors import html_site

SOURCE = "mofcom"
LIST_URL = "http://exportcontrol.mofcom.gov.cn/article/zcfg/gnzcfg/zcfggzqd/"
PRODUCER = "Ministry of Commerce of the People's Republic of China (商务部)"
LICENCE = "PRC government documents: excluded from copyright (PRC Copyright Law art. 5)"
ATTRIBUTION = "Ministry of Commerce of the PRC, export control information site"
SITE = html_site.Site(
    source=SOURCE,
    producer=PRODUCER,
    licence=LICENCE,
    attribution=ATTRIBUTION,
    list_url=LIST_URL,
    article=re.compile(
        r"https?://(?:exportcontrol\.mofcom\.gov\.cn/article/[a-z/]+/\d{6}/\d+\.html"
        r"|www\.mofcom\.gov\.cn/[a-z/]+/art/\d{4}/art_[0-9a-f]{32}\.html)"
    ),
    language="zh",
    agency="商务部",
    kind="公告",
    page_url=lambda n: f"{LIST_URL}?{n}",
    lists={"announcements": "https://www.mofcom.gov.cn/zcfb/blgg/index.html"},
)


build_requests, fetch, parse = html_site.connector_functions(SITE)
