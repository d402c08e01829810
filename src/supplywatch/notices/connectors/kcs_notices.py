"""Korea Customs Service press releases (보도자료, ``mi=2891&bbsId=1362``; the notices board
is ``mi=2889&bbsId=1341``) at customs.go.kr; each item is ``selectNttInfo.do?...&nttSn=<id>``.

List structure (as read by independent public scrapers, measured 2026-09; no byte-true
capture is held): ``table.bbsList tbody tr``, the title in
``td[data-table=subject] a.nttInfoBtn[data-id][data-url][title]`` (the anchor carries the id in
``data-id``; its href is not the notice), the date ``YYYY.MM.DD`` in ``td[data-table=date]``;
later pages are a form POST with ``currPage`` (the GET form below is unverified)."""

from __future__ import annotations

import re

from supplywatch.notices.connectors import html_site

SOURCE = "kcs_notices"
LIST_URL = "https://www.customs.go.kr/kcs/na/ntt/selectNttList.do?mi=2891&bbsId=1362"
PRODUCER = "Korea Customs Service (관세청)"
LICENCE = "Korea Open Government License (KOGL), as marked on customs.go.kr notices"
ATTRIBUTION = "Korea Customs Service, press releases (보도자료)"


def _link(attrs: dict[str, str]) -> str | None:
    """The notice URL from the anchor's ``data-id`` (nttSn)."""
    nid = attrs.get("data-id", "")
    if not nid.isdigit():
        return None
    return f"https://www.customs.go.kr/kcs/na/ntt/selectNttInfo.do?mi=2891&bbsId=1362&nttSn={nid}"


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
    kind="보도자료",
    page_url=lambda n: (
        f"https://www.customs.go.kr/kcs/na/ntt/selectNttList.do?mi=2891&bbsId=1362&currPage={n}"
    ),
    link_from=_link,
)


build_requests, fetch, parse = html_site.connector_functions(SITE)
