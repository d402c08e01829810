"""What analysts hand on, in real Chromium: the as-of date picker (any past date, as the CLI's
--as-of), exports of a dashboard table (xlsx with its about sheet), the print view, weekly
briefings made, listed and downloaded (and hidden from the other side), the watch-list, and
the value chain on the item page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import EXPLAIN_TIMEOUT_MS, Server
from tests.e2e.test_dashboard import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_as_of_picker_export_and_print(page: Any, server: Server, screenshots: Path) -> None:
    login(page, server, "kr_analyst")
    page.goto(server.base_url + "/#/screen?importer=KOR")
    pt = page.locator('[data-testid="screen-row"][data-item-id="platinum"]')
    # today (the service's clock, 2026-11-24): platinum at 관심 for Korea ...
    expect(pt).to_have_attribute("data-level", "1", timeout=EXPLAIN_TIMEOUT_MS)
    expect(page.get_by_test_id("as-of-banner")).to_be_hidden()
    # ... and on 2025-10-01, as known then, at 주의 (it fell on 2025-10-05): the API's answer
    past = server.get("kr_analyst", "/screen", importer="KOR", as_of="2025-10-01", limit=500)
    want = next(r for r in past["items"] if r["item_id"] == "platinum")["alert_level"]
    assert want == 2
    page.get_by_test_id("as-of").fill("2025-10-01")
    page.get_by_test_id("as-of").dispatch_event("change")
    expect(page.get_by_test_id("as-of-date")).to_have_text("2025-10-01")
    expect(pt).to_have_attribute("data-level", str(want), timeout=EXPLAIN_TIMEOUT_MS)
    shot(page, screenshots, "20-screen-as-of-2025-10-01")
    # the screen table as Excel: the rows shown, an about sheet with units and sources
    with page.expect_download() as dl:
        page.get_by_test_id("screen-table-export-xlsx").click()
    wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert wb.sheetnames == ["about", "data"]
    about = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True) if r and r[0]}
    assert about["table"] == "screen-table" and about["as_of"] == "2025-10-01"
    assert about["organisation"] == "KR" and "baci" in about
    rows = list(wb["data"].iter_rows(values_only=True))
    assert len(rows) - 1 == page.get_by_test_id("screen-row").count()
    assert any("Platinum" in " ".join(str(c) for c in r) for r in rows[1:])
    # the print view: the content only
    page.emulate_media(media="print")
    expect(page.get_by_test_id("nav")).to_be_hidden()
    expect(page.get_by_test_id("screen-table-export-csv")).to_be_hidden()
    expect(page.get_by_test_id("screen-table")).to_be_visible()
    expect(page.get_by_test_id("as-of-banner")).to_be_visible()
    shot(page, screenshots, "21-screen-print-view")
    page.emulate_media(media="screen")
    page.get_by_test_id("as-of-clear").click()
    expect(page.get_by_test_id("as-of-banner")).to_be_hidden()
    expect(pt).to_have_attribute("data-level", "1", timeout=EXPLAIN_TIMEOUT_MS)
    # the alert board as it stood on a past day: the service raised its alerts on its first
    # evaluation (the clock's day, 2026-11-24), so on 2025-10-01 there were none
    assert server.get("kr_analyst", "/alerts", as_of="2025-10-01")["total"] == 0
    page.get_by_test_id("as-of").fill("2025-10-01")
    page.get_by_test_id("as-of").dispatch_event("change")
    page.get_by_test_id("nav-alerts").click()
    expect(page.get_by_test_id("alerts-total")).to_have_text("0", timeout=EXPLAIN_TIMEOUT_MS)
    page.get_by_test_id("as-of-clear").click()
    board = server.get("kr_analyst", "/alerts", limit=100)
    assert board["total"] > 0
    expect(page.get_by_test_id("alerts-total")).to_have_text(str(board["total"]))
    opened = [a for a in board["items"] if a["status"] == "new"]
    expect(page.get_by_test_id("alert-ack")).to_have_count(len(opened))


def test_briefing_made_downloaded_and_hidden_from_japan(
    page: Any, server: Server, screenshots: Path
) -> None:
    login(page, server, "kr_analyst")
    page.get_by_test_id("nav-briefings").click()
    page.get_by_test_id("briefing-as-of").fill("2025-10-15")
    page.get_by_test_id("briefing-submit").click()
    row = page.locator('[data-testid="briefing-row"][data-importer="KOR"]').first
    expect(row).to_be_visible(timeout=EXPLAIN_TIMEOUT_MS)
    kept = server.get("kr_analyst", "/briefings")["items"]
    b = next(x for x in kept if x["as_of"] == "2025-10-15" and x["importer_id"] == "KOR")
    row = page.locator(f'[data-testid="briefing-row"][data-briefing-id="{b["id"]}"]')
    expect(row.get_by_test_id("briefing-cards")).to_have_text(
        str(b["counts"]["at_caution_or_above"])
    )
    shot(page, screenshots, "22-briefings-kr")
    with page.expect_download() as dl:
        row.get_by_test_id("briefing-pdf-ko").click()
    text = "".join(p.extract_text() for p in PdfReader(dl.value.path()).pages).replace("\n", "")
    assert "주간 공급망 조기경보 브리핑" in text and "갈륨" in text
    page.get_by_test_id("logout").click()
    login(page, server, "jp_viewer")
    page.get_by_test_id("nav-briefings").click()
    expect(page.get_by_test_id("briefings-table")).to_be_visible()
    expect(page.get_by_test_id("briefing-form")).to_have_count(0)  # a viewer makes none
    expect(page.locator(f'[data-briefing-id="{b["id"]}"]')).to_have_count(0)


def test_watch_list_and_value_chain(page: Any, server: Server, screenshots: Path) -> None:
    login(page, server, "jp_analyst")
    page.get_by_test_id("nav-watch").click()
    page.get_by_test_id("watch-kind").select_option("item")
    page.get_by_test_id("watch-target").fill("ガリウム")  # a name in Japanese
    page.get_by_test_id("watch-scope").select_option("org")
    page.get_by_test_id("watch-submit").click()
    row = page.locator('[data-testid="watch-row"][data-target="gallium"]')
    expect(row).to_be_visible()
    page.get_by_test_id("watch-kind").select_option("supplier")
    page.get_by_test_id("watch-target").fill("XXX")
    page.get_by_test_id("watch-submit").click()
    expect(page.get_by_test_id("watch-error")).to_contain_text("XXX")
    listed = server.get("jp_analyst", "/watch")["items"]
    assert [(w["kind"], w["target"], w["scope"]) for w in listed] == [("item", "gallium", "org")]
    expect(page.get_by_test_id("inbox-table")).to_be_visible()
    shot(page, screenshots, "23-watch-list")
    row.get_by_test_id("watch-delete").click()
    expect(page.locator('[data-testid="watch-row"]')).to_have_count(0)
    # the value chain on the item page: industries touched, each link with its source
    page.goto(server.base_url + "/#/item/natural_graphite?importer=JPN")
    chain = page.get_by_test_id("item-value-chain")
    expect(chain.get_by_test_id("chain-industries")).to_contain_text(
        "Lithium-ion battery cell manufacturing", timeout=EXPLAIN_TIMEOUT_MS
    )
    v = server.get("jp_analyst", "/items/natural_graphite/value-chain", importer="JPN")
    expect(chain.get_by_test_id("chain-edge")).to_have_count(len(v["edges"]))
    cells = chain.locator(
        '[data-testid="chain-edge"][data-to="li_ion_cells"] [data-testid="chain-trade"]'
    )
    expect(cells).to_contain_text("no data")
    shot(page, screenshots, "24-item-value-chain")
