"""The weekly briefing on the bundled data as of a past date: its contents (level changes,
new measures, cards, items gone quiet, freshness, sources), the HTML in each language, and the
PDF's extracted text in Korean, Japanese and English."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.conftest import NOW

from supplywatch.errors import ConfigError
from supplywatch.reports.briefing import render_html
from supplywatch.reports.charts import probability_svg
from supplywatch.services import Services
from supplywatch.services.briefing import briefing_data, write_briefing
from supplywatch.settings import Settings

AS_OF, SINCE = date(2025, 10, 15), date(2025, 10, 1)
#: China's announcements of 9 October 2025 (registry), all known in the window.
OCT_2025 = {
    "CN-MOFCOM-2025-61",
    "CN-MOFCOM-2025-62",
    "CN-MOFCOM-GACC-2025-55",
    "CN-MOFCOM-GACC-2025-56",
    "CN-MOFCOM-GACC-2025-57",
    "CN-MOFCOM-GACC-2025-58",
}


@pytest.fixture(scope="module")
def svc(store_path: Path) -> Services:
    return Services(Settings(db_path=store_path, clock_frozen_at=NOW))


@pytest.fixture(scope="module")
def kor(svc: Services) -> dict:  # type: ignore[type-arg]
    return briefing_data(svc, "KOR", AS_OF, SINCE)


def test_contents_as_of_a_past_date(kor: dict) -> None:  # type: ignore[type-arg]
    assert (kor["importer"], kor["as_of"], kor["since"]) == ("KOR", "2025-10-15", "2025-10-01")
    changes = [
        (r["item_id"], r["date"], r["from_level"], r["to_level"]) for r in kor["level_changes"]
    ]
    assert changes == [("platinum", "2025-10-05", 2, 1), ("lithium", "2025-10-09", 1, 3)]
    assert {m["measure_id"] for m in kor["measures_new"]} == OCT_2025
    assert all(m["known_since"] == "2025-10-09" for m in kor["measures_new"])
    assert all(m["source_url"].startswith("http") for m in kor["measures_new"])
    # platinum fell below caution in the window: it went quiet
    assert [r["item_id"] for r in kor["quiet"]] == ["platinum"]
    cards = {c["item_id"]: c for c in kor["cards"]}
    assert len(cards) == kor["counts"]["at_caution_or_above"] == 33
    assert all(c["level"] >= 2 for c in cards.values())
    assert "platinum" not in cards and "lithium" in cards
    ga = cards["gallium"]
    assert ga["level"] == 4 and ga["probability"] == pytest.approx(0.6118, abs=1e-4)
    assert ga["level_since"] == "2023-07-03"
    assert "MOFCOM/GACC Announcement 2023 No. 23" in ga["measures"]
    assert ga["drivers"][0]["factor"] == "supply_measures"
    assert ga["cover_days"] is None  # no organisation's stocks in the CLI's briefing
    assert len(ga["history"]) == 25 and ga["history"][-1]["date"] == "2025-10-15"
    assert ga["history"][-1]["probability"] == pytest.approx(0.6118, abs=1e-4)
    assert any(s.startswith("production: World Mining Data 2023") for s in ga["sources"])
    w = cards["tungsten"]
    assert w["top_supplier"] == "CHN" and w["trade_year"] == 2023
    assert any(s.startswith("trade: BACI 2023 (available 2025-01-31)") for s in w["sources"])
    assert {f["source"] for f in kor["freshness"]} >= {"baci", "wmd", "wgi", "pinksheet"}


def test_each_side_sees_only_its_own_cover(svc: Services) -> None:
    mine = briefing_data(svc, "JPN", AS_OF, SINCE, cover={"gallium": 41.5}, cover_basis="JP stocks")
    ga = next(c for c in mine["cards"] if c["item_id"] == "gallium")
    assert ga["cover_days"] == 41.5 and ga["cover_basis"] == "JP stocks"
    html = render_html(mine, "en")
    assert "41 <span" in html or "42 <span" in html
    other = briefing_data(svc, "JPN", AS_OF, SINCE)
    assert "41.5" not in str(other) and "JP stocks" not in render_html(other, "en")


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "ko",
            [
                "주간 공급망 조기경보 브리핑",
                "한국",
                "갈륨",
                "심각",
                "리튬",
                "경계",
                "데이터 최신성",
            ],
        ),
        (
            "ja",
            ["週間サプライチェーン早期警戒ブリーフィング", "韓国", "ガリウム", "深刻", "リチウム"],
        ),
        ("en", ["Weekly supply-chain early-warning briefing", "Korea", "Gallium", "critical"]),
    ],
)
def test_pdf_text_in_each_language(
    svc: Services, tmp_path: Path, lang: str, words: list[str]
) -> None:
    out = write_briefing(svc, "KOR", AS_OF, lang, tmp_path / f"b-{lang}.pdf", SINCE)
    assert out["counts"]["level_changes"] == 2
    pdf = PdfReader(tmp_path / f"b-{lang}.pdf")
    text = "".join(p.extract_text() for p in pdf.pages).replace("\n", "")
    for w in words:
        assert w.replace(" ", "") in text.replace(" ", ""), (lang, w)
    assert "MOFCOM/GACC" in text and "2025-10-09" in text
    # every card's chart is drawn (SVG images become vector drawings: their axis labels are
    # text of the page)
    assert text.count("2023-10") >= out["counts"]["at_caution_or_above"]


def test_html_is_self_contained_and_names_sources(svc: Services, tmp_path: Path) -> None:
    write_briefing(svc, "KOR", AS_OF, "ja", tmp_path / "b.html", SINCE)
    html = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert 'lang="ja"' in html and "Noto Sans CJK JP" in html
    assert html.count("data:image/svg+xml;base64,") == 33
    assert "http://" not in html.split("<body")[0]  # nothing fetched to render the page
    assert "World Mining Data 2023" in html and "exportcontrol.mofcom.gov.cn" in html


def test_bad_requests_are_named(svc: Services, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="language") as e:
        write_briefing(svc, "KOR", AS_OF, "fr", tmp_path / "b.pdf")
    assert e.value.field == "lang"
    with pytest.raises(ConfigError, match=r"\.html or \.pdf"):
        write_briefing(svc, "KOR", AS_OF, "en", tmp_path / "b.docx")
    with pytest.raises(ConfigError, match="KOR, JPN or BLOC"):
        briefing_data(svc, "USA", AS_OF)
    with pytest.raises(ConfigError, match="before as_of"):
        briefing_data(svc, "KOR", AS_OF, AS_OF)
    assert not list(tmp_path.iterdir())


def test_chart_draws_levels_and_gaps() -> None:
    svg = probability_svg(
        [
            {"date": "2025-01-01", "probability": 0.1, "level": 1},
            {"date": "2025-02-01", "probability": None, "level": 0},
            {"date": "2025-03-01", "probability": 0.3, "level": 3},
            {"date": "2025-04-01", "probability": 0.2, "level": 2},
        ],
        "t",
    )
    assert svg.count("<rect") == 4 and svg.count("<polyline") == 2  # a gap splits the line
    assert 'fill="#fed7aa"' in svg and "2025-01" in svg and "2025-04" in svg


def test_cards_name_the_industries_an_alert_touches(kor: dict) -> None:  # type: ignore[type-arg]
    cards = {c["item_id"]: c for c in kor["cards"]}
    graphite = {n["node_id"] for n in cards["natural_graphite"]["industries"]}
    assert graphite == {
        "battery_cell_manufacturing",
        "energy_storage_systems",
        "automotive_industry",
    }
    assert any(
        s.startswith("industries: value-chain graph") for s in cards["natural_graphite"]["sources"]
    )
    assert cards["gallium"]["in_value_chain"]
    not_curated = [c for c in cards.values() if not c["in_value_chain"]]
    assert all(c["industries"] == [] for c in not_curated)


def test_value_chain_shows_links_with_or_without_numbers(svc: Services) -> None:
    v = svc.value_chain("natural_graphite", "KOR", date(2026, 11, 24))
    nodes = {n["node_id"]: n for n in v["nodes"]}
    assert v["in_graph"] and v["nodes"][0]["node_id"] == "natural_graphite"
    cells = nodes["li_ion_cells"]
    assert cells["hs2022"] == ["850760"] and cells["trade"] is None
    assert cells["trade_note"].startswith("no data: imports of HS 850760 are not in the store")
    assert (
        nodes["anode_material"]["trade_note"] == "no HS code maps clearly to this stage: link only"
    )
    assert nodes["battery_cell_manufacturing"]["trade_note"] is None
    assert all(e["source_url"].startswith("http") for e in v["edges"])
    assert {i["node_id"] for i in v["industries"]} == {
        "battery_cell_manufacturing",
        "energy_storage_systems",
        "automotive_industry",
    }
    none = svc.value_chain("uranium", "JPN", date(2026, 11, 24))
    assert not none["in_graph"] and none["nodes"] == [] and "no value chain" in none["note"]
