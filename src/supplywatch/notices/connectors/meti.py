"""METI news releases (ニュースリリース), Japanese list at meti.go.jp/press/ and English list
(``list=english``) at meti.go.jp/english/press/; each release is
``/press/<fiscal year>/<MM>/<YYYYMMDDnnn>/<YYYYMMDDnnn>.html`` (older and list links also
``/press/<fiscal year>/<MM>/<YYYYMMDDnnn>.html``).

List structure (as read by independent public scrapers, 2026; no byte-true capture is held):
``ul.float_li > li > div.txt_box > p "YYYY年M月D日" + a.cut_txt[href]`` — the date is printed
before the link. The English list's structure is not documented anywhere we found."""

from __future__ import annotations

import re

from supplywatch.notices.connectors import html_site

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
        r"https?://www\.meti\.go\.jp/(?:"
        r"press/\d{4}/\d{2}/(?:\d{8}\d*/)?\d{8}\d*\.html"
        r"|english/press/\d{4}/\d{4}_\d{3}\.html)"
    ),
    language="ja",
    agency="経済産業省",
    kind="報道発表",
    page_url=None,
    lists={"english": "https://www.meti.go.jp/english/press/index.html"},
    list_languages={"english": "en"},
)


build_requests, fetch, parse = html_site.connector_functions(SITE)
