"""Notice connectors parse recorded responses in the sources' formats (never the network):
values asserted, bad responses refused naming the file, row and field."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from supplywatch.errors import ConfigError, DataError
from supplywatch.notices import extract
from supplywatch.notices.connectors import CONNECTORS, connector, html_site
from supplywatch.sources.snapshots import read_snapshot, write_snapshot

REC = Path(__file__).parents[1] / "data" / "notices" / "recorded"
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _snapshot(tmp_path: Path, source: str, files: dict[str, bytes], query: dict[str, Any]) -> Path:
    mod = connector(source)
    return write_snapshot(
        tmp_path,
        source,
        files,
        producer=mod.PRODUCER,
        licence=mod.LICENCE,
        attribution=mod.ATTRIBUTION,
        url=mod.LIST_URL,
        vintage="recorded",
        vintage_date=NOW.date(),
        query=query,
        rows=dict.fromkeys(files, 1),
        now=NOW,
    )


def test_every_connector_declares_the_contract() -> None:
    for name in CONNECTORS:
        mod = connector(name)
        assert name == mod.SOURCE
        for attr in ("PRODUCER", "LICENCE", "ATTRIBUTION", "LIST_URL"):
            assert isinstance(getattr(mod, attr), str) and getattr(mod, attr)
        assert callable(mod.build_requests) and callable(mod.fetch) and callable(mod.parse)
        assert mod.build_requests()  # defaults are a valid request
    with pytest.raises(ConfigError, match="unknown notice source 'nope'"):
        connector("nope")


def test_federal_register_recorded_page(tmp_path: Path) -> None:
    body = (REC / "federal_register" / "documents_p1.json").read_bytes()
    snap = _snapshot(tmp_path, "federal_register", {"documents_p1.json": body}, {})
    [doc] = connector("federal_register").parse(snap)
    assert doc.doc_id == "2024-19633"
    assert doc.published == date(2024, 9, 6)
    assert doc.kind == "Rule" and doc.language == "en"
    assert doc.agency == "Commerce Department; Industry and Security Bureau"
    assert doc.url.startswith("https://www.federalregister.gov/documents/2024/09/06/2024-19633/")
    assert doc.text is not None and "Export Control Classification Numbers" in doc.text
    # a BIS rule on advanced technologies names no material of the catalog
    assert extract.extract(doc.text).materials == []


def test_federal_register_requests_and_bad_pages() -> None:
    fr = connector("federal_register")
    [req] = fr.build_requests(term="gallium", since="2023-07-01", per_page=50)
    assert req.params["conditions[term]"] == "gallium"
    assert req.params["conditions[publication_date][gte]"] == "2023-07-01"
    assert req.params["conditions[agencies][0]"] == "industry-and-security-bureau"
    for bad in ({"since": "2023-13-01"}, {"per_page": 5000}, {"agency": "Bad Slug!"}):
        with pytest.raises(ConfigError):
            fr.build_requests(**bad)
    page = json.loads((REC / "federal_register" / "documents_p1.json").read_text())
    page["results"][0]["publication_date"] = "2024-02-30"
    with pytest.raises(DataError) as err:
        fr.parse_page(json.dumps(page).encode(), "p.json")
    assert err.value.row == 1 and err.value.column == "publication_date"
    page["results"][0]["publication_date"] = "2024-09-06"
    page["results"][0]["html_url"] = "https://evil.example/x"
    with pytest.raises(DataError, match="federalregister.gov") as err:
        fr.parse_page(json.dumps(page).encode(), "p.json")
    assert err.value.column == "html_url"
    with pytest.raises(DataError, match="not JSON"):
        fr.parse_page(b"<html>", "p.json")


def _mofcom_snapshot(tmp_path: Path) -> Path:
    files = {p.name: p.read_bytes() for p in sorted((REC / "mofcom").glob("*.html"))}
    base = "http://exportcontrol.mofcom.gov.cn/article/zcfg/gnzcfg/zcfggzqd/"
    urls = {"list_p1.html": base}
    for i, tail in enumerate(("202310/912.html", "202408/1024.html", "202412/1072.html"), 1):
        urls[f"notice_{i:03d}.html"] = base + tail
    return _snapshot(tmp_path, "mofcom", files, {"files": urls, "list": "default"})


def test_mofcom_recorded_list_and_pages(tmp_path: Path) -> None:
    docs = connector("mofcom").parse(_mofcom_snapshot(tmp_path))
    assert [d.doc_id for d in docs] == [
        "/article/zcfg/gnzcfg/zcfggzqd/202310/912.html",
        "/article/zcfg/gnzcfg/zcfggzqd/202408/1024.html",
        "/article/zcfg/gnzcfg/zcfggzqd/202412/1072.html",
    ]
    assert [d.published for d in docs] == [
        date(2023, 10, 20),
        date(2024, 8, 26),
        date(2024, 12, 17),
    ]
    graphite = docs[0]
    assert graphite.title is not None and "2023年第39号" in graphite.title
    assert graphite.file_name == "notice_001.html" and graphite.language == "zh"
    assert graphite.text is not None
    # decoded from GB18030 (declared gb2312); navigation, script and footer dropped
    assert "首页" not in graphite.text and "2099" not in graphite.text
    assert "主办单位" not in graphite.text
    got = extract.extract(graphite.text)
    assert set(got.materials) == {"natural_graphite", "synthetic_graphite"}
    assert "2504101000" in got.codes and got.notice_number is not None
    assert "1072.html" in docs[2].url and docs[2].text and "美国" in docs[2].text


def test_html_list_entries_and_bad_snapshot(tmp_path: Path) -> None:
    site = connector("mofcom").SITE
    html = (
        '<ul><li><a href="/article/zcfg/gnzcfg/zcfggzqd/202307/847.html">公告</a>'
        '<span>2023-07-03</span></li><li><a href="/about.html">关于</a></li>'
        '<li><a href="/article/zcfg/gnzcfg/zcfggzqd/202307/848.html" title="T">x</a>'
        '2023年7月5日</li><li><a href="/article/zcfg/gnzcfg/zcfggzqd/202307/849.html">y</a>'
        "2023-02-30</li></ul>"
    )
    got = html_site.list_entries(site, html, "http://exportcontrol.mofcom.gov.cn/x/")
    assert [(e["url"][-8:], e["title"], e["published"]) for e in got] == [
        ("847.html", "公告", date(2023, 7, 3)),
        ("848.html", "T", date(2023, 7, 5)),
        ("849.html", "y", None),  # an impossible date is no date
    ]
    with pytest.raises(ConfigError, match="pages 0"):
        connector("mofcom").build_requests(pages=0)
    with pytest.raises(ConfigError, match="unknown for mofcom"):
        connector("mofcom").build_requests(list_name="nope")
    snap = _mofcom_snapshot(tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(snap, broken)
    (broken / "notice_002.html").chmod(0o644)
    (broken / "notice_002.html").write_bytes(b"changed")
    with pytest.raises(DataError, match="changed since it was fetched"):
        connector("mofcom").parse(broken)


def test_eu_oj_recorded_result(tmp_path: Path) -> None:
    body = (REC / "eu_oj" / "acts.json").read_bytes()
    snap = _snapshot(tmp_path, "eu_oj", {"acts.json": body}, {})
    [doc] = connector("eu_oj").parse(snap)
    assert doc.doc_id == "32024R1252" and doc.kind == "Regulation"
    assert doc.published == date(2024, 4, 11)
    assert doc.url == "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024R1252"
    assert doc.title is not None and "critical raw materials" in doc.title
    bad = json.loads(body)
    del bad["results"]["bindings"][0]["celex"]
    with pytest.raises(DataError) as err:
        connector("eu_oj").parse_result(json.dumps(bad).encode(), "acts.json")
    assert err.value.row == 1 and err.value.column == "celex"
    with pytest.raises(ConfigError):
        connector("eu_oj").build_requests(term='x"} DROP')


def _list_only(tmp_path: Path, source: str) -> list[Any]:
    mod = connector(source)
    body = (REC / source / "list_p1.html").read_bytes()
    snap = _snapshot(
        tmp_path, source, {"list_p1.html": body}, {"files": {"list_p1.html": mod.LIST_URL}}
    )
    return list(mod.parse(snap))


def test_gacc_list_in_the_documented_structure(tmp_path: Path) -> None:
    docs = _list_only(tmp_path, "gacc")
    assert [(d.doc_id, d.published) for d in docs] == [
        ("/customs/302249/302266/302267/3919350/index.html", date(2021, 10, 11)),
        ("/customs/302249/302266/302267/5600001/index.html", date(2023, 12, 1)),
    ]  # the attachment (PDF) is no notice page
    assert docs[0].title is not None and "2021年第81号" in docs[0].title  # from @title, whole
    assert docs[0].text is None and docs[0].language == "zh"
    with pytest.raises(ConfigError, match="only the first list page"):
        connector("gacc").build_requests(pages=2)


def test_meti_list_prints_the_date_before_the_link(tmp_path: Path) -> None:
    docs = _list_only(tmp_path, "meti")
    assert [(d.url, d.published) for d in docs] == [
        (
            "https://www.meti.go.jp/press/2019/07/20190701006/20190701006.html",
            date(2019, 7, 1),
        ),
        ("https://www.meti.go.jp/press/2022/03/20230316004.html", date(2023, 3, 16)),
    ]
    assert docs[0].title == "大韓民国向け輸出管理の運用の見直しについて"
    site = connector("meti").SITE
    assert site.article.fullmatch("https://www.meti.go.jp/english/press/2023/0316_001.html")


def test_motie_links_are_script_calls(tmp_path: Path) -> None:
    docs = _list_only(tmp_path, "motie")
    assert [(d.url, d.published) for d in docs] == [
        ("https://www.motir.go.kr/kor/article/ATCL3f49a5a8c/166120/view", date(2023, 3, 16)),
        ("https://www.motir.go.kr/kor/article/ATCL3f49a5a8c/166101/view", date(2019, 8, 12)),
    ]
    assert docs[0].title == "한일 수출관리 정책대화 결과 (예시)" and docs[0].language == "ko"


def test_kcs_items_carry_their_id_in_data_attributes(tmp_path: Path) -> None:
    docs = _list_only(tmp_path, "kcs_notices")
    assert [(d.url[-30:], d.published) for d in docs] == [
        ("mi=2891&bbsId=1362&nttSn=12345", date(2021, 11, 5)),
        ("mi=2891&bbsId=1362&nttSn=12301", date(2025, 4, 10)),
    ]
    assert docs[1].title == "희토류 수입 동향 (예시)"


def test_mofcom_export_control_list_api(tmp_path: Path) -> None:
    """The export-control site's list comes from its JSON API (POST a form); each notice page
    is fetched as HTML. Recorded: the list in the API's documented shape with the site's real
    URLs, titles and page dates, and the three real notice pages (tests/data/notices/recorded)."""
    mod = connector("mofcom_ec")
    (req,) = mod.build_requests()
    assert req.params == {"pageNumber": "1", "columnID": "9", "title": ""}
    files = {"list_p1.json": (REC / "mofcom_ec" / "list_p1.json").read_bytes()}
    urls = {"list_p1.json": mod.LIST_URL}
    for i, tail in enumerate(("202310/912.html", "202408/1024.html"), 1):
        files[f"notice_{i:03d}.html"] = (REC / "mofcom" / f"notice_{i:03d}.html").read_bytes()
        urls[f"notice_{i:03d}.html"] = f"{mod.HOST}/article/zcfg/gnzcfg/zcfggzqd/{tail}"
    docs = mod.parse(_snapshot(tmp_path, "mofcom_ec", files, {"files": urls, "column": "9"}))
    assert [(d.doc_id, d.published) for d in docs] == [
        ("/article/zcfg/gnzcfg/zcfggzqd/202412/1072.html", date(2024, 12, 17)),
        ("/article/zcfg/gnzcfg/zcfggzqd/202408/1024.html", date(2024, 8, 26)),
        ("/article/zcfg/gnzcfg/zcfggzqd/202310/912.html", date(2023, 10, 20)),
    ]
    assert docs[0].text is None and docs[0].file_name == "list_p1.json"  # page not fetched
    graphite = docs[2]
    assert graphite.file_name == "notice_001.html" and graphite.text is not None
    got = extract.extract(graphite.text)
    assert set(got.materials) == {"natural_graphite", "synthetic_graphite"}
    with pytest.raises(ConfigError, match="column '1'"):
        mod.build_requests(column="1")


@pytest.mark.parametrize(
    ("body", "message", "column"),
    [
        (b"<html>", "not JSON", None),
        (b'{"pageInfo": {}}', "no pageInfo.rows", "pageInfo.rows"),
        (
            b'{"pageInfo": {"rows": [{"url": "/article/a/202401/1.html", "title": "???",'
            b' "publishTimeStr": "2024-01-02"}]}}',
            "XHR headers",
            "title",
        ),
        (
            b'{"pageInfo": {"rows": [{"url": "https://evil.example/x", "title": "t",'
            b' "publishTimeStr": "2024-01-02"}]}}',
            "not a notice page",
            "url",
        ),
        (
            b'{"pageInfo": {"rows": [{"url": "/article/a/202401/1.html", "title": "t",'
            b' "publishTimeStr": "2024-02-30"}]}}',
            "not a date",
            "publishTimeStr",
        ),
    ],
)
def test_mofcom_export_control_bad_lists(body: bytes, message: str, column: str | None) -> None:
    with pytest.raises(DataError, match=message) as err:
        connector("mofcom_ec").list_rows(body, "list_p1.json")
    assert err.value.column == column


def test_mofcom_www_unit_api(tmp_path: Path) -> None:
    """The main site's lists come from its unit API (GET, the list markup inside JSON);
    each notice page is fetched as HTML. Recorded: the 政策发布 column's first page in the
    documented shape with the real www URLs, titles and dates of 2024 No. 46 and No. 33 and
    one illustrative item (tests/data/notices/recorded/README.md)."""
    mod = connector("mofcom_www")
    (req,) = mod.build_requests()
    assert req.url == mod.LIST_URL and req.file_name == "list_p1.json"
    assert req.params["pageId"] == "fc8bdff48fa345a48b651c1285b70b8f"
    assert req.params["parseType"] == "bulidstatic" and req.params["tagId"] == "分页列表"
    assert "paramJson" not in req.params  # the site's first page has no pager query
    p2 = mod.build_requests(list_name="rcxwfb", pages="2")[1]
    assert p2.params["pageId"] == "95d89972d8aa4fcea511701cd0f212d9"
    assert json.loads(p2.params["paramJson"]) == {"pageNo": 2, "pageSize": 15}
    body = (REC / "mofcom_www" / "list_p1.json").read_bytes()
    no46 = f"{mod.HOST}/zwgk/zcfb/art/2024/art_3d5e990b43424e60828030f58a547b60.html"
    files = {
        "list_p1.json": body,
        "notice_001.html": (REC / "mofcom" / "notice_003.html").read_bytes(),
    }
    urls = {"list_p1.json": mod.LIST_URL, "notice_001.html": no46}
    docs = mod.parse(_snapshot(tmp_path, "mofcom_www", files, {"files": urls, "list": "zcfb"}))
    assert [(d.doc_id, d.published) for d in docs] == [
        ("/zwgk/zcfb/art/2024/art_3d5e990b43424e60828030f58a547b60.html", date(2024, 12, 3)),
        ("/zwgk/zcfb/art/2024/art_0123456789abcdef0123456789abcdef.html", date(2024, 8, 20)),
        ("/zwgk/zcfb/art/2024/art_a4711acb06364199a3c5a06d7f2be6d8.html", date(2024, 8, 15)),
    ]
    assert docs[0].title == "商务部公告2024年第46号 关于加强相关两用物项对美国出口管制的公告"
    assert docs[0].file_name == "notice_001.html" and docs[0].text and "美国" in docs[0].text
    assert docs[0].kind == "政策发布" and docs[0].language == "zh" and docs[0].agency == "商务部"
    assert docs[1].title == "商务部办公厅关于做好示例工作的通知（示例）"  # @title, not the cut text
    assert docs[2].text is None and (docs[2].file_name, docs[2].row) == ("list_p1.json", 3)
    for bad in ({"list_name": "blgg"}, {"pages": 0}, {"pages": "x"}):
        with pytest.raises(ConfigError):
            mod.build_requests(**bad)


def _unit(html: str, **envelope: Any) -> bytes:
    return json.dumps({"code": "200", "success": True, "data": {"html": html}, **envelope}).encode()


_LI = '<ul class="txtList_01"><li>{}</li></ul>'
_OK_A = '<a href="/zwgk/zcfb/art/2024/art_0123456789abcdef0123456789abcdef.html" title="t">t</a>'


@pytest.mark.parametrize(
    ("body", "message", "row", "column"),
    [
        (b"<html>", "not JSON", None, None),
        (
            _unit("", code="500", success=False, message="error"),
            "reports a failure",
            None,
            "success",
        ),
        (b'{"code": "200", "success": true, "data": {}}', "no data.html", None, "data.html"),
        (_unit('<ul class="other"><li>x</li></ul>'), "no ul.txtList_01", None, "data.html"),
        (
            _unit(
                _LI.format(
                    '<a href="https://evil.example/x.html" title="t">t</a><span>[2024-01-02]</span>'
                )
            ),
            "not a notice page",
            1,
            "a@href",
        ),
        (_unit(_LI.format("<span>[2024-01-02]</span>")), "not a notice page", 1, "a@href"),
        (
            _unit(
                _LI.format(
                    _OK_A.replace('title="t">t', 'title=" "> ') + "<span>[2024-01-02]</span>"
                )
            ),
            "title missing",
            1,
            "a@title",
        ),
        (_unit(_LI.format(_OK_A + "<span>[2024-02-30]</span>")), "not \\[YYYY-MM-DD\\]", 1, "span"),
        (
            _unit(_LI.format(_OK_A + "<span>[2024-01-02]</span></li><li>" + _OK_A)),
            "YYYY",
            2,
            "span",
        ),
    ],
)
def test_mofcom_www_bad_lists(
    body: bytes, message: str, row: int | None, column: str | None
) -> None:
    with pytest.raises(DataError, match=message) as err:
        connector("mofcom_www").list_rows(body, "list_p1.json")
    assert err.value.file == "list_p1.json"
    assert (err.value.row, err.value.column) == (row, column)


def test_http_client_posts_forms() -> None:
    import httpx

    from supplywatch.sources.http import HttpClient

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    client = HttpClient(
        transport=httpx.MockTransport(handler), sleep=lambda _s: None, clock=lambda: 0.0
    )
    got = client.post("http://example.test/api", {"pageNumber": "1"}, {"X-Requested-With": "x"})
    assert got.json() == {"ok": True}
    assert seen[0].method == "POST" and seen[0].content == b"pageNumber=1"
    assert seen[0].headers["X-Requested-With"] == "x"


def _recorded_site(routes: dict[tuple[str, str], bytes]) -> Any:
    """A transport serving recorded bodies by (method, URL without query); anything else 404."""
    import httpx

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        key = (request.method, str(request.url.copy_with(query=None)))
        if key not in routes:
            return httpx.Response(404)
        return httpx.Response(200, content=routes[key])

    t = httpx.MockTransport(handler)
    t.seen = seen  # type: ignore[attr-defined]
    return t


def _client(transport: Any) -> Any:
    from supplywatch.sources.http import HttpClient

    return HttpClient(transport=transport, sleep=lambda _s: None, clock=lambda: 0.0)


def test_mofcom_ec_fetch_posts_the_list_and_gets_the_pages(tmp_path: Path) -> None:
    mod = connector("mofcom_ec")
    page = (REC / "mofcom" / "notice_001.html").read_bytes()
    transport = _recorded_site(
        {
            ("POST", mod.LIST_URL): (REC / "mofcom_ec" / "list_p1.json").read_bytes(),
            ("GET", f"{mod.HOST}/article/zcfg/gnzcfg/zcfggzqd/202412/1072.html"): page,
        }
    )
    snap = mod.fetch(_client(transport), tmp_path, NOW, max_items=1)
    post = transport.seen[0]
    assert post.method == "POST" and post.headers["X-Requested-With"] == "XMLHttpRequest"
    assert post.content == b"pageNumber=1&columnID=9&title="
    docs = mod.parse(snap)
    assert len(docs) == 3 and docs[0].file_name == "notice_001.html"
    assert [d.text is not None for d in docs] == [True, False, False]
    with pytest.raises(ConfigError, match="max_items 999"):
        mod.fetch(_client(transport), tmp_path, NOW, max_items=999)


def test_mofcom_www_fetch_gets_the_list_and_the_pages(tmp_path: Path) -> None:
    mod = connector("mofcom_www")
    no33 = f"{mod.HOST}/zwgk/zcfb/art/2024/art_a4711acb06364199a3c5a06d7f2be6d8.html"
    no46 = f"{mod.HOST}/zwgk/zcfb/art/2024/art_3d5e990b43424e60828030f58a547b60.html"
    transport = _recorded_site(
        {
            ("GET", mod.LIST_URL): (REC / "mofcom_www" / "list_p1.json").read_bytes(),
            ("GET", no46): (REC / "mofcom" / "notice_003.html").read_bytes(),
            ("GET", no33): (REC / "mofcom" / "notice_002.html").read_bytes(),
        }
    )
    snap = mod.fetch(_client(transport), tmp_path, NOW, max_items=1)
    get = transport.seen[0]
    assert get.method == "GET" and get.url.params["pageId"] == "fc8bdff48fa345a48b651c1285b70b8f"
    assert get.url.params["tagId"] == "分页列表" and get.url.params["editType"] == "null"
    assert [str(r.url) for r in transport.seen[1:]] == [no46]
    docs = mod.parse(snap)
    assert [d.text is not None for d in docs] == [True, False, False]
    assert docs[0].text is not None and "镓、锗、锑、超硬材料" in docs[0].text
    _prov, query = read_snapshot(snap)
    assert query["files"]["list_p1.json"].startswith(mod.LIST_URL + "?parseType=bulidstatic&")
    with pytest.raises(ConfigError, match="max_items -1"):
        mod.fetch(_client(transport), tmp_path, NOW, max_items=-1)


def test_html_site_fetch_keeps_list_and_pages(tmp_path: Path) -> None:
    mod = connector("meti")
    page = b"<html><body><h1>T</h1><p>2019-07-01</p></body></html>"
    transport = _recorded_site(
        {
            ("GET", mod.LIST_URL): (REC / "meti" / "list_p1.html").read_bytes(),
            ("GET", "https://www.meti.go.jp/press/2019/07/20190701006/20190701006.html"): page,
        }
    )
    docs = mod.parse(mod.fetch(_client(transport), tmp_path, NOW, max_items=1))
    assert [(d.file_name, d.published) for d in docs] == [
        ("notice_001.html", date(2019, 7, 1)),
        ("list_p1.html", date(2023, 3, 16)),
    ]
