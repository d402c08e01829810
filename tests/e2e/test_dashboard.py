"""The dashboard in real Chromium against a real uvicorn process: the risk screen and an item's
explanation, the alert workflow, the three languages, tenancy (a JP viewer never sees KR stocks,
KOR alerts or KR plans), stock entry with the API's field errors, CSV upload, the stockpile
plan, and the back-test."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import NOW
from tests.e2e.conftest import EXPLAIN_TIMEOUT_MS, KR_STOCK, ROOT, PageLog, Server, password

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEVELS = {
    "en": ["none", "attention", "caution", "alert", "critical"],
    "ja": ["なし", "注意", "警戒", "厳重警戒", "深刻"],
    "ko": ["없음", "관심", "주의", "경계", "심각"],
}
NAV = {
    "en": ["Risk screen", "Alerts", "Stocks", "Stockpile plan", "Back-test"],
    "ja": ["リスク一覧", "アラート", "備蓄", "備蓄計画", "バックテスト"],
    "ko": ["위험 순위", "경보", "비축", "비축 계획", "백테스트"],
}
NAV_IDS = ["nav-screen", "nav-alerts", "nav-stocks", "nav-plan", "nav-backtest"]
FACTORS_KO = {
    "supplier_concentration": "공급국 집중도",
    "sourcing_governance": "공급국 거버넌스 위험",
    "production_concentration": "생산 집중도",
    "recycling_gap": "재활용 부족",
    "import_dynamics": "수입 변동",
    "price_shock": "가격 충격",
    "screens": "의존도 선별 기준",
}


def login(page: Any, server: Server, username: str) -> None:
    page.goto(server.base_url + "/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password(username))
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("whoami")).to_contain_text(username)


def shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def expect_nav(page: Any, lang: str) -> None:
    for tid, text in zip(NAV_IDS, NAV[lang], strict=True):
        expect(page.get_by_test_id(tid)).to_have_text(text)
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _pct1(share: float) -> str:
    """A share as the dashboard prints it: percent, one decimal, halves rounded up."""
    pct = (Decimal(repr(share)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{pct}%"


def kr_stock_shown(text: str) -> bool:
    """The KR entry's tonnage in any of the ways the page could print it."""
    return bool(re.search(r"(?<![\d.,])5,?000(\.0+)?(?![\d,])", text))


def test_screen_and_item_page_match_the_api(
    page: Any, server: Server, screenshots: Path, page_log: PageLog
) -> None:
    login(page, server, "kr_analyst")
    api = server.get("kr_analyst", "/screen", importer="KOR", limit=500)
    assert api["total"] == 77  # every catalog material is shown, whatever its data
    first = api["items"][0]

    rows = page.get_by_test_id("screen-row")
    expect(rows).to_have_count(len(api["items"]))
    expect(page.get_by_test_id("screen-importer")).to_have_value("KOR")
    expect(rows.first).to_have_attribute("data-item-id", first["item_id"])
    expect(rows.first.get_by_test_id("cell-rank")).to_have_text("1")
    # ranked by the risk model's probability, scored and partial items together
    probs = [
        r["risk_probability_share"]
        for r in api["items"]
        if r["item_state_code"] in ("scored", "partial")
    ]
    assert probs == sorted(probs, reverse=True) and len(probs) > 10
    # the first item with fresh trade data: every cell as the API gives it
    i, top = next((i, r) for i, r in enumerate(api["items"]) if r["item_state_code"] == "scored")
    row = rows.nth(i)
    expect(row).to_have_attribute("data-item-id", top["item_id"])
    expect(row.get_by_test_id("cell-rank")).to_have_text(str(i + 1))
    expect(row.get_by_test_id("cell-item")).to_have_text(top["name_en"])
    expect(row.get_by_test_id("cell-level")).to_have_text(top["level_en"])
    expect(row.get_by_test_id("cell-probability")).to_have_text(
        _pct1(top["risk_probability_share"])
    )
    expect(row.get_by_test_id("cell-score")).to_have_text(f"{top['score_points']:.1f}")
    expect(row.get_by_test_id("cell-state")).to_have_text("scored")
    expect(row.get_by_test_id("cell-top-supplier")).to_contain_text(top["top_supplier_name"])
    expect(row.get_by_test_id("cell-trade-year")).to_have_text(str(top["trade_year"]))
    order = rows.evaluate_all("rs => rs.map(r => r.dataset.itemId)")
    assert order == [r["item_id"] for r in api["items"]]
    # an item without data says why and how to fill it; one on a shared code says so
    hf = page.locator('[data-testid="screen-row"][data-item-id="hydrogen_fluoride"]')
    expect(hf.get_by_test_id("cell-state")).to_have_text("no data")
    expect(hf.get_by_test_id("cell-reason")).to_contain_text("HS 281111")
    dy = page.locator('[data-testid="screen-row"][data-item-id="dysprosium"]')
    expect(dy.get_by_test_id("cell-shared")).to_contain_text("×16")
    expect(page.get_by_test_id("screen-count-no_data")).to_have_text(
        str(sum(r["item_state_code"] == "no_data" for r in api["items"]))
    )
    shot(page, screenshots, "01-screen-kr-analyst")

    row.get_by_test_id("item-link").click()
    expect(page).to_have_url(re.compile(rf"#/item/{top['item_id']}\?importer=KOR$"))
    score = page.get_by_test_id("item-score")
    expect(score).to_be_visible(timeout=EXPLAIN_TIMEOUT_MS)
    explain = server.get("kr_analyst", f"/explain/{top['item_id']}", importer="KOR")
    expect(score).to_have_text(f"{explain['score']:.1f}")
    expect(page.get_by_test_id("item-probability")).to_have_text(_pct1(explain["probability"]))
    expect(page.get_by_test_id("factor-total")).to_have_text(f"{explain['score']:.1f}")
    expect(page.get_by_test_id("item-level")).to_have_text(LEVELS["en"][explain["level"]])
    expect(page.get_by_test_id("item-confidence")).to_have_text(f"{explain['confidence']:.2f}")
    points = page.get_by_test_id("factor-row").get_by_test_id("factor-points")
    expect(points).to_have_text([f"{f['contribution_points']:.2f}" for f in explain["factors"]])
    expect(page.get_by_test_id("history-row")).to_have_count(len(explain["level_history"]))
    expect(page.get_by_test_id("evidence")).to_contain_text(explain["evidence"]["trade"]["table"])

    for chart in ("chart-factors", "chart-suppliers", "chart-production", "chart-map"):
        expect(page.get_by_test_id(chart).locator("svg.main-svg").first).to_be_attached()
    bars = page.get_by_test_id("chart-factors").locator(".barlayer .point")
    expect(bars).to_have_count(len(explain["factors"]))
    expect(page.get_by_test_id("chart-suppliers").locator(".legend")).to_contain_text(
        top["top_supplier_name"]
    )
    # the choropleth drew countries: the topojson came from our own /static/topojson/
    expect(
        page.get_by_test_id("chart-map").locator("path.choroplethlocation").first
    ).to_be_attached()
    latest = max(s["year"] for s in explain["supplier_shares"])
    expect(page.get_by_test_id("map-year")).to_have_text(str(latest))
    shot(page, screenshots, "02-item-kr-analyst")

    # switching language redraws the charts in place, no reload
    page.locator("#lang").select_option("ko")
    first_factor = page.get_by_test_id("factor-row").first
    expect(first_factor.locator("td").first).to_have_text(
        FACTORS_KO[explain["factors"][0]["factor"]]
    )
    expect(page.get_by_test_id("chart-factors").locator(".ytick").first).to_contain_text(
        re.compile(r"[가-힣]")
    )
    expect(page.get_by_test_id("item-level")).to_have_text(LEVELS["ko"][explain["level"]])

    assert any(u.endswith("/static/topojson/world_110m.json") for u in page_log.requested)
    outside = [u for u in page_log.requested if not u.startswith((server.base_url, "data:"))]
    assert outside == [], f"requests left the service (CDN?): {outside}"
    assert page_log.errors == []


def test_item_page_shows_state_coverage_and_fill(page: Any, server: Server) -> None:
    login(page, server, "kr_analyst")
    page.goto(server.base_url + "/#/item/gallium?importer=KOR")
    box = page.get_by_test_id("item-state")
    expect(box).to_have_attribute("data-state", "partial", timeout=EXPLAIN_TIMEOUT_MS)
    expect(page.get_by_test_id("item-fill")).to_have_text(
        "supplywatch fetch comtrade --reporter KOR --hs 811292 --years 2015-2025"
    )
    expect(page.get_by_test_id("item-coverage")).to_contain_text("HS 811291 not in the store")
    page.goto(server.base_url + "/#/item/antimony?importer=KOR")
    expect(page.get_by_test_id("item-unit-values")).to_contain_text(
        "extraction", timeout=EXPLAIN_TIMEOUT_MS
    )
    expect(page.get_by_test_id("item-coverage")).to_contain_text("processing: no data")


def test_acknowledge_an_alert(page: Any, server: Server, screenshots: Path) -> None:
    alert = server.get("kr_analyst", "/alerts", importer="KOR", status="new", limit=100)["items"][0]
    login(page, server, "kr_analyst")
    page.get_by_test_id("nav-alerts").click()
    row = page.locator(f'[data-testid="alert-row"][data-alert-id="{alert["id"]}"]')
    expect(row.get_by_test_id("cell-importer")).to_have_text("KOR")
    expect(row.get_by_test_id("cell-status")).to_have_text("new")
    expect(row.get_by_test_id("cell-level")).to_contain_text(LEVELS["en"][alert["level"]])

    comment = "checked with KOMIR (e2e)"
    row.get_by_test_id("alert-comment").fill(comment)
    shot(page, screenshots, "03-alerts-before-acknowledge")
    row.get_by_test_id("alert-ack").click()
    expect(row.get_by_test_id("cell-status")).to_have_text("acknowledged")
    expect(row.get_by_test_id("cell-ack")).to_contain_text("kr_analyst")
    expect(row.get_by_test_id("cell-ack")).to_contain_text(comment)
    expect(row.get_by_test_id("alert-ack")).to_have_count(0)
    expect(row.get_by_test_id("alert-resolve")).to_have_count(1)

    detail = server.get("kr_analyst", f"/alerts/{alert['id']}")
    assert detail["status"] == "acknowledged"
    assert detail["acknowledged_by"] == "kr_analyst"
    assert detail["acknowledge_comment"] == comment
    acks = [e for e in detail["audit"] if e["action"] == "alert.acknowledged"]
    assert [e["actor"] for e in acks] == ["kr_analyst"]

    row.get_by_test_id("alert-detail-btn").click()
    audit = page.get_by_test_id("alert-detail").get_by_test_id("audit-row")
    expect(audit.filter(has_text="alert.acknowledged")).to_contain_text("kr_analyst")
    expect(audit.filter(has_text="alert.acknowledged")).to_contain_text(comment)

    # a fresh load of the filtered board shows the stored state, not a cached one
    page.goto(server.base_url + "/#/alerts?status=acknowledged")
    page.reload()
    expect(page.get_by_test_id("alerts-status")).to_have_value("acknowledged")
    expect(row.get_by_test_id("cell-status")).to_have_text("acknowledged")
    statuses = page.get_by_test_id("alert-row").evaluate_all("rs => rs.map(r => r.dataset.status)")
    assert set(statuses) == {"acknowledged"}
    shot(page, screenshots, "04-alerts-acknowledged")


def test_language_switch(page: Any, server: Server, screenshots: Path) -> None:
    login(page, server, "kr_analyst")
    first = server.get("kr_analyst", "/screen", importer="KOR", limit=1)["items"][0]
    names = {
        i["material_id"]: i["names"] for i in server.get("kr_analyst", "/items", limit=500)["items"]
    }
    row = page.get_by_test_id("screen-row").first
    expect(row).to_have_attribute("data-item-id", first["item_id"])
    expect_nav(page, "en")

    page.locator("#lang").select_option("ja")
    expect_nav(page, "ja")
    expect(row.get_by_test_id("cell-level")).to_have_text(LEVELS["ja"][first["alert_level"]])
    expect(row.get_by_test_id("cell-item")).to_have_text(names[first["item_id"]]["ja"])
    shot(page, screenshots, "05-screen-japanese")

    # the Japanese level names agree with the API's own (alerts carry level_ja)
    alert = server.get("kr_analyst", "/alerts", importer="KOR", limit=1)["items"][0]
    page.get_by_test_id("nav-alerts").click()
    arow = page.locator(f'[data-testid="alert-row"][data-alert-id="{alert["id"]}"]')
    expect(arow.get_by_test_id("level-badge")).to_have_text(alert["level_ja"])
    expect(page.locator("#view h1")).to_have_text("アラート一覧")

    page.reload()  # the choice is kept (localStorage)
    expect_nav(page, "ja")
    page.locator("#lang").select_option("ko")
    expect_nav(page, "ko")
    expect(arow.get_by_test_id("level-badge")).to_have_text(alert["level_ko"])
    shot(page, screenshots, "06-alerts-korean")

    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-view")).to_be_visible()
    expect(page.get_by_test_id("alert-row")).to_have_count(0)
    assert page.request.get(server.base_url + "/api/v1/auth/me").status == 401
    page.reload()  # no session to restore
    expect(page.get_by_test_id("login-view")).to_be_visible()
    expect(page.get_by_test_id("nav")).to_be_hidden()


def test_jp_viewer_sees_no_kr_stocks_or_kor_alerts(
    page: Any, server: Server, screenshots: Path
) -> None:
    login(page, server, "jp_viewer")
    page.get_by_test_id("nav-stocks").click()

    bloc = {c["item_id"]: c for c in server.get("jp_viewer", "/stocks/cover", importer="BLOC")}
    graphite = bloc[KR_STOCK["item_id"]]
    brow = page.locator(f'[data-testid="cover-bloc-row"][data-item-id="{KR_STOCK["item_id"]}"]')
    # both sides hold graphite: the bloc's figure less Japan's own would be Korea's, so Japan
    # does not get it (decision 0007); the row says why, with no number
    assert graphite["cover_days"] is None and graphite["gap_days"] is None
    expect(brow.get_by_test_id("cover-status")).to_contain_text("withheld")
    expect(brow.get_by_test_id("cover-days")).not_to_contain_text("1")
    expect(brow.get_by_test_id("cover-orgs")).to_have_text("JP, KR")
    expect(page.get_by_test_id("cover-importer")).to_have_value("JPN")
    # Japan's own cover: its own entry only (1,234 t private), never Korea's
    own_row = page.get_by_test_id("cover-own").get_by_test_id("cover-own-row")
    expect(own_row).to_have_count(1)
    expect(own_row.get_by_test_id("cover-by-holder")).to_contain_text("1,234")
    # only Japan's own entry is listed
    expect(page.get_by_test_id("stocks-table").get_by_test_id("stock-row")).to_have_count(1)
    expect(page.get_by_test_id("stocks-table")).to_contain_text("1,234")
    expect(page.get_by_test_id("stocks-read-only")).to_be_visible()
    expect(page.get_by_test_id("stock-form")).to_have_count(0)
    assert not kr_stock_shown(page.inner_text("body"))
    shot(page, screenshots, "07-stocks-jp-viewer")

    # asking for Korea's own days of cover: refused, and only the message shows
    page.get_by_test_id("cover-importer").select_option("KOR")
    denied = page.get_by_test_id("cover-own-denied")
    expect(denied).to_contain_text("Not visible to your organisation")
    expect(page.get_by_test_id("cover-own-table")).to_have_count(0)
    expect(page.get_by_test_id("cover-bloc-row")).not_to_have_count(0)
    assert not kr_stock_shown(page.inner_text("body"))
    r = page.request.get(server.base_url + "/api/v1/stocks/cover?importer=KOR")
    assert r.status == 403
    own = page.request.get(server.base_url + "/api/v1/stocks").json()
    assert {e["org"] for e in own["items"]} <= {"JP", "JOINT"}
    shot(page, screenshots, "08-stocks-jp-viewer-kor-refused")

    page.get_by_test_id("nav-alerts").click()
    api = server.get("jp_viewer", "/alerts", limit=100)
    assert api["items"], "the evaluation raised no alert a JP user can see"
    rows = page.get_by_test_id("alert-row")
    expect(rows).to_have_count(len(api["items"]))
    shown = rows.evaluate_all("rs => rs.map(r => [Number(r.dataset.alertId), r.dataset.importer])")
    assert {imp for _id, imp in shown} <= {"JPN", "BLOC"}
    kor = server.get("kr_analyst", "/alerts", importer="KOR", limit=100)["items"]
    assert kor
    assert not {a["id"] for a in kor} & {i for i, _imp in shown}
    options = page.get_by_test_id("alerts-importer").locator("option")
    assert options.evaluate_all("os => os.map(o => o.value)") == ["", "JPN", "BLOC"]
    expect(page.get_by_test_id("alert-ack")).to_have_count(0)  # viewers do not act
    shot(page, screenshots, "09-alerts-jp-viewer")


def test_stock_entry_field_errors_csv_upload_and_backtest(
    page: Any, server: Server, screenshots: Path
) -> None:
    login(page, server, "kr_analyst")
    page.get_by_test_id("nav-stocks").click()
    form = page.get_by_test_id("stock-form")
    form.get_by_test_id("stock-item").select_option("cobalt")
    form.get_by_test_id("stock-holder").select_option("private")
    form.get_by_test_id("stock-quantity-input").fill("-5")
    form.get_by_test_id("stock-submit").click()
    expect(form.get_by_test_id("stock-error-quantity_t")).to_contain_text(
        "greater than or equal to 0"
    )

    form.get_by_test_id("stock-quantity-input").fill("1234.5")
    form.get_by_test_id("stock-date").fill("2999-01-01")
    form.get_by_test_id("stock-submit").click()
    expect(form.get_by_test_id("stock-error-as_of_date")).to_contain_text("in the future")
    expect(form.get_by_test_id("stock-error-quantity_t")).to_be_hidden()
    shot(page, screenshots, "10-stock-form-errors")

    day = (NOW.date() - timedelta(days=1)).isoformat()
    form.get_by_test_id("stock-date").fill(day)
    form.get_by_test_id("stock-submit").click()
    expect(form.get_by_test_id("stock-form-ok")).to_be_visible()
    cobalt = page.locator('[data-testid="stock-row"][data-item-id="cobalt"]')
    expect(cobalt.get_by_test_id("stock-quantity")).to_have_text("1,234.5")
    stored = [e for e in server.get("kr_analyst", "/stocks")["items"] if e["item_id"] == "cobalt"]
    assert [(e["holder"], e["quantity_t"], e["as_of_date"]) for e in stored] == [
        ("private", 1234.5, day)
    ]

    csv_input = page.get_by_test_id("stock-csv")
    header = "item_id,holder,quantity_t,as_of_date\n"
    csv_input.set_input_files(
        files=[
            {
                "name": "bad.csv",
                "mimeType": "text/csv",
                "buffer": (header + f"nickel,national,abc,{day}\n").encode(),
            }
        ]
    )
    page.get_by_test_id("stock-upload").click()
    expect(page.get_by_test_id("upload-error")).to_contain_text("bad.csv · row 2 · quantity_t")
    csv_input.set_input_files(
        files=[
            {
                "name": "good.csv",
                "mimeType": "text/csv",
                "buffer": (header + f"nickel,national,250,{day}\n").encode(),
            }
        ]
    )
    page.get_by_test_id("stock-upload").click()
    expect(page.get_by_test_id("stock-upload-ok")).to_contain_text("1")
    nickel = page.locator('[data-testid="stock-row"][data-item-id="nickel"]')
    expect(nickel.get_by_test_id("stock-quantity")).to_have_text("250.0")
    own = {c["item_id"]: c for c in server.get("kr_analyst", "/stocks/cover", importer="KOR")}
    orow = page.locator(f'[data-testid="cover-own-row"][data-item-id="{KR_STOCK["item_id"]}"]')
    expect(orow.get_by_test_id("cover-days")).to_have_text(
        f"{own[KR_STOCK['item_id']]['cover_days']:.1f}"
    )
    shot(page, screenshots, "11-stocks-kr-analyst")

    bt = json.loads((ROOT / "docs" / "backtest-dev-events.json").read_text(encoding="utf-8"))
    assert server.get("kr_analyst", "/backtest") == bt
    page.get_by_test_id("nav-backtest").click()
    s = bt["summary"]
    expect(page.get_by_test_id("bt-ladder")).to_have_text(s["ladder_version"])
    expect(page.get_by_test_id("bt-pairs")).to_have_text(
        str(s["affected_item_importer_pairs_with_data"])
    )
    expect(page.get_by_test_id("bt-warned")).to_have_text(str(s["warned_at_t0"]))
    expect(page.get_by_test_id("bt-false-rate")).to_have_text(
        f"{s['false_escalations_per_item_year']:.4f}"
    )
    expect(page.get_by_test_id("bt-event")).to_have_count(len(bt["events"]))
    ev = next(e for e in bt["events"] if e["offsets"])
    card = page.locator(
        f'[data-testid="bt-event"][data-event-id="{ev["event_id"]}"]'
        f'[data-importer="{ev["importer"]}"]'
    )
    auc = ev["offsets"]["365"]["auc"]
    expect(card.locator('[data-testid="bt-event-auc"][data-offset="365"]')).to_have_text(
        f"{auc:.3f}"
    )
    expect(card.get_by_test_id("bt-affected-row")).to_have_count(
        len({a["item"] for o in ev["offsets"].values() for a in o["affected"]})
    )
    shot(page, screenshots, "12-backtest")


def test_plan_run_shown_as_the_api_keeps_it_and_hidden_from_japan(
    page: Any, server: Server, screenshots: Path
) -> None:
    login(page, server, "kr_analyst")
    page.get_by_test_id("nav-plan").click()
    form = page.get_by_test_id("plan-form")
    form.get_by_test_id("plan-budget-jpy").fill("5000000000")
    form.get_by_test_id("plan-krw-per-usd").fill("1400")
    form.get_by_test_id("plan-jpy-per-usd").fill("150")
    form.get_by_test_id("plan-submit").click()  # no Korean budget: the API's field error
    expect(form.get_by_test_id("plan-error-budget_krw")).to_contain_text("valid number")
    form.get_by_test_id("plan-budget-krw").fill("50000000000")
    form.get_by_test_id("plan-materials").fill("natural_graphite, niobium")
    form.get_by_test_id("plan-paths").fill("2000")
    form.get_by_test_id("plan-label").fill("e2e plan")
    form.get_by_test_id("plan-submit").click()
    rows = page.get_by_test_id("plan-material")
    expect(rows).to_have_count(2, timeout=EXPLAIN_TIMEOUT_MS)
    expect(form.get_by_test_id("plan-error-budget_krw")).to_be_hidden()
    plan_id = int(page.url.rsplit("/", 1)[1])
    kept = server.get("kr_analyst", f"/plans/{plan_id}")
    assert kept["label"] == "e2e plan"
    res = kept["result"]
    for m in res["materials"]:
        row = page.locator(f'[data-testid="plan-material"][data-item-id="{m["material_id"]}"]')
        cells = [
            c.strip()
            for c in row.locator("td").all_inner_texts()[2:11]  # held, target, days x KR/JP/POOL
        ]
        want = [
            f"{m[k][s]:,.1f}"
            for k in ("existing_t", "target_t", "days_of_cover")
            for s in ("KR", "JP", "POOL")
        ]
        assert cells == want, (m["material_id"], cells, want)
    graphite = next(m for m in res["materials"] if m["material_id"] == "natural_graphite")
    assert graphite["existing_t"] == {"KR": KR_STOCK["quantity_t"], "JP": 0.0, "POOL": 0.0}
    expect(page.get_by_test_id("plan-objective")).to_contain_text(
        f"{res['plan']['objective_usd']:,.0f}"
    )
    expect(page.locator(f'[data-testid="plan-row"][data-plan-id="{plan_id}"]')).to_be_visible()
    expect(page.get_by_test_id("plan-chart").locator(".main-svg").first).to_be_visible()
    shot(page, screenshots, "13-plan-kr-analyst")

    # Japan: may not run (viewer), does not list it, cannot open it, never sees KR's 5,000 t
    page.get_by_test_id("logout").click()
    login(page, server, "jp_viewer")
    page.get_by_test_id("nav-plan").click()
    expect(page.get_by_test_id("plan-read-only")).to_be_visible()
    expect(page.get_by_test_id("plans-table")).to_be_visible()
    expect(page.locator(f'[data-testid="plan-row"][data-plan-id="{plan_id}"]')).to_have_count(0)
    page.goto(f"{server.base_url}/#/plan/{plan_id}")
    expect(page.get_by_test_id("plan-not-found")).to_be_visible()
    assert not kr_stock_shown(page.get_by_test_id("view").inner_text())
    shot(page, screenshots, "14-plan-jp-viewer-refused")


def test_measures_tracker_and_item_page(page: Any, server: Server, screenshots: Path) -> None:
    login(page, server, "jp_analyst")
    expect(page.get_by_test_id("nav-measures")).to_be_visible()
    page.goto(server.base_url + "/#/measures?material=gallium&as_of=2023-07-03")
    expect(page.get_by_test_id("measures-total")).to_have_text("1", timeout=EXPLAIN_TIMEOUT_MS)
    row = page.get_by_test_id("measure-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-measure-id", "CN-MOFCOM-GACC-2023-23")
    expect(row).to_have_attribute("data-imposer", "CHN")
    link = row.get_by_test_id("measure-source")
    expect(link).to_have_attribute("href", re.compile(r"^https://www\.mofcom\.gov\.cn/"))
    expect(page.get_by_test_id("measures-timeline").locator("svg").first).to_be_visible()
    shot(page, screenshots, "measures-gallium-2023-07-03")
    # the day before the notice nothing was known
    page.goto(server.base_url + "/#/measures?material=gallium&as_of=2023-07-02")
    expect(page.get_by_test_id("measures-total")).to_have_text("0", timeout=EXPLAIN_TIMEOUT_MS)
    # the item page lists the measures on the item, today
    page.goto(server.base_url + "/#/item/gallium?importer=JPN")
    rows = page.get_by_test_id("item-measure-row")
    expect(rows.first).to_be_visible(timeout=EXPLAIN_TIMEOUT_MS)
    ids = rows.evaluate_all("(els) => els.map((e) => e.dataset.measureId)")
    assert "CN-MOFCOM-GACC-2023-23" in ids and "CN-MOFCOM-2026-1" in ids
