"""MOTIE press releases (보도자료): the list at motir.go.kr (the ministry, renamed
산업통상부 in 2025, moved from motie.go.kr; both hosts are accepted); each release is
``/kor/article/ATCL3f49a5a8c/<id>/view``.

List structure (as read by independent public scrapers, 2025-26; no byte-true capture is
held): a table, one ``tr`` per release, the title in ``<i>`` inside an anchor whose link is a
script call ``article.view('<id>')``, the date ``YYYY-MM-DD`` in a later cell."""

from __future__ import annotations

import re

from supplywatch.notices.connectors import html_site

SOURCE = "motie"
LIST_URL = "https://www.motir.go.kr/kor/article/ATCL3f49a5a8c"
_VIEW = re.compile(r"article\.view\(\s*'(\d+)'\s*\)")


def _link(attrs: dict[str, str]) -> str | None:
    """The release URL from ``article.view('<id>')`` in the anchor's href or onclick."""
    for key in ("href", "onclick"):
        m = _VIEW.search(attrs.get(key, ""))
        if m:
            return f"https://www.motir.go.kr/kor/article/ATCL3f49a5a8c/{m.group(1)}/view"
    return None


PRODUCER = "Ministry of Trade, Industry and Energy of Korea (산업통상자원부)"
LICENCE = "Korea Open Government License (KOGL) Type 1, as marked on motie.go.kr press releases"
ATTRIBUTION = "Ministry of Trade, Industry and Energy (MOTIE), press releases (보도자료)"
SITE = html_site.Site(
    source=SOURCE,
    producer=PRODUCER,
    licence=LICENCE,
    attribution=ATTRIBUTION,
    list_url=LIST_URL,
    article=re.compile(r"https?://www\.moti[er]\.go\.kr/kor/article/ATCL3f49a5a8c/\d+/view.*"),
    language="ko",
    agency="산업통상자원부",
    kind="보도자료",
    page_url=lambda n: f"https://www.motir.go.kr/kor/article/ATCL3f49a5a8c?pageIndex={n}",
    link_from=_link,
)


build_requests, fetch, parse = html_site.connector_functions(SITE)
