"""GACC announcements (海关总署公告): the list at customs.gov.cn; each notice page is
``/customs/302249/302266/302267/<id>/index.html``.

List structure (as read by independent public scrapers; no byte-true capture is held):
``ul.conList_ul`` (or ``conList_ull``) ``> li > a[href][title] + span "YYYY-MM-DD"``. Later
pages go through ``/eportal/ui?pageId=...&currentPage=N&moduleId=...``, whose module id for
this list is not known: only the first page is fetched. The site answers scripts with a
challenge page at times (a fetch then finds no notices and says so)."""

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
    page_url=None,
)


build_requests, fetch, parse = html_site.connector_functions(SITE)
