"""METI news releases (ニュースリリース), Japanese list at meti.go.jp/press/ and English list
(``list=english``) at meti.go.jp/english/press/; each release is
``/press/<fiscal year>/<MM>/<YYYYMMDDnnn>/<YYYYMMDDnnn>.html``."""

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
        r"https?://www\.meti\.go\.jp/(?:english/)?press/\d{4}/\d{2}/\d{8}\d*/\d{8}\d*\.html"
    ),
    language="ja",
    agency="経済産業省",
    kind="報道発表",
    page_url=None,
    lists={"english": "https://www.meti.go.jp/english/press/index.html"},
    list_languages={"english": "en"},
)


build_requests, fetch, parse = html_site.connector_functions(SITE)
