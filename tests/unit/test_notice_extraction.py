"""The notice extractor on real notices: the official texts copied into tests/data (values
asserted field by field), the development set in ../shared/notices/ (third-party texts are
read there, not copied; its scores are asserted so a regression fails), and a few rules on
short phrases written for the test (labelled as such)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import ROOT

from supplywatch.notices.evaluate import evaluate, load_labels, table
from supplywatch.notices.extract import extract, extract_file, strip_header

OFFICIAL = ROOT / "tests" / "data" / "notices" / "official"
DEV = ROOT.parent / "shared" / "notices"
LABELS = ROOT / "tests" / "data" / "notices" / "labels.yaml"


def _x(name: str) -> dict[str, object]:
    return extract((OFFICIAL / name).read_text("utf-8")).as_dict()


def test_graphite_2023_39_official_capture() -> None:
    x = _x("CN-2023-039-graphite.zh.official-capture.txt")
    assert x["language"] == "zh-Hans"
    assert (x["issuer"], x["issuer_country"]) == (["MOFCOM", "GACC"], "CHN")
    assert (x["measure_class"], x["measure_type"]) == ("control", "export_licence")
    assert x["effective_dates"] == ["2023-12-01"]
    assert x["published_date"] is None  # the capture has no dateline: not guessed
    assert x["notice_number"] is None  # only earlier notices are cited in the body
    assert x["materials"] == ["natural_graphite", "synthetic_graphite"]
    assert x["codes"] == [
        "3801100030",
        "3801909010",
        "6815190020",
        "2504101000",
        "2504109100",
        "3801901000",
        "3824999940",
    ]
    assert x["targets"] == ["ALL"]
    # it repeals 2006 No. 50 (and cites the 2005 licence rules)
    assert sorted(x["links"], key=str) == [
        {"notice": "2005 No. 29", "relation": "refers"},
        {"notice": "2006 No. 50", "relation": "repeals"},
    ]
    ev = x["evidence"]
    assert isinstance(ev, dict)
    code = ev["codes"][0]
    text = (OFFICIAL / "CN-2023-039-graphite.zh.official-capture.txt").read_text("utf-8")
    assert code["text"] == "3801100030" and code["confidence"] > 0.5
    a, b = code["span"]
    assert text[a:b] == "3801100030"  # offsets in the file's text, header included
    assert a > len(text) - len(strip_header(text))
    # after an HTML entity the offsets still point into the text as given (&gt; is 4 chars)
    t2 = "---\nh: x\n---\n纯度&gt;99.9%，未经许可，不得出口石墨（参考海关商品编号：2504101000）。"
    y = extract(t2).as_dict()
    s2 = y["evidence"]["codes"][0]["span"]
    assert t2[s2[0] : s2[1]] == "2504101000"


def test_us_dual_use_2024_46_is_a_ban_aimed_at_the_usa() -> None:
    x = _x("CN-2024-046-US-dual-use.zh.official-capture.txt")
    assert x["notice_number"] == "2024 No. 46"
    assert x["published_date"] == "2024-12-03"
    assert (x["measure_class"], x["measure_type"]) == ("control", "export_ban")
    assert x["targets"] == ["USA"]
    assert x["materials"] == [
        "gallium",
        "germanium",
        "antimony",
        "natural_graphite",
        "synthetic_graphite",
    ]


def test_antimony_2024_33_codes_and_date() -> None:
    x = _x("CN-2024-033-antimony-superhard.zh.official-capture.txt")
    assert x["effective_dates"] == ["2024-09-15"]
    assert x["materials"] == ["antimony"]
    assert len(x["codes"]) == 17 and x["codes"][:4] == [
        "2617101000",
        "2617109001",
        "2617109090",
        "2830902000",
    ]
    assert x["code_typos"] == []


def test_meti_texts() -> None:
    x = _x("JP-METI-2019-09-03-opinions-on-ROK-notice.en.official.txt")
    assert (x["measure_class"], x["published_date"], x["targets"]) == (
        "statement",
        "2019-09-03",
        ["KOR"],
    )
    y = _x("JP-METI-2023-03-16-Korea-3items-relaxation.en.official.txt")
    assert y["issuer"] == ["METI"] and y["published_date"] == "2023-03-16"
    assert y["materials"] == ["fluorinated_polyimide", "hydrogen_fluoride", "photoresist"]


def test_federal_register_rule() -> None:
    x = _x("US-BIS-FR-2024-09-06-89FR72926-CCL-advanced-tech.en.official.txt")
    assert (x["issuer"], x["issuer_country"]) == (["BIS"], "USA")  # not also its parent DOC
    assert x["effective_dates"] == ["2024-09-06"]
    assert x["measure_class"] == "control"


def test_rules_on_short_phrases() -> None:
    """Phrases written for this test (not notices): Traditional Chinese is converted before
    matching; Japanese era dates; a 9-digit code is kept and flagged; a suspension names the
    notice it suspends and its window."""
    t = extract("商務部公告2025年第70號\n暫停實施2025年第61號公告，至2026年11月10日。涉及鎵、鍺。")
    assert t.language in {"zh-Hant", "zh-Hans", "ja"}
    assert t.notice_number == "2025 No. 70"
    assert t.measure_type == "suspension" and t.measure_class == "relaxation"
    assert {"notice": "2025 No. 61", "relation": "suspends"} in t.links
    assert t.suspension_windows == [{"from": None, "to": "2026-11-10"}]
    assert set(t.materials) == {"gallium", "germanium"}
    j = extract("経済産業省は令和元年7月1日、輸出管理の運用を見直すと発表した。")
    assert j.published_date == "2019-07-01" and j.issuer == ["METI"]
    c = extract("未经许可，不得出口：氧化镓（参考海关商品编号：382569005、2825909001）。")
    assert c.codes == ["382569005", "2825909001"] and c.code_typos == ["382569005"]


def test_header_is_ignored() -> None:
    text = "---\ntitle: 商务部公告2023年第23号 镓\n---\nThe Ministry of Commerce hereby announces."
    x = extract(text)
    assert x.notice_number is None and x.materials == [] and x.language == "en"


def test_unreadable_file_names_itself(tmp_path: Path) -> None:
    from supplywatch.errors import DataError

    bad = tmp_path / "gbk.txt"
    bad.write_bytes("商务部公告".encode("gbk"))
    with pytest.raises(DataError) as info:
        extract_file(bad)
    assert str(bad) in str(info.value) and "UTF-8" in str(info.value)


@pytest.mark.skipif(not DEV.is_dir(), reason=f"development notices not found at {DEV}")
def test_scores_on_the_development_notices() -> None:
    """The dev set's scores (docs/notices-accuracy.md): a change that loses any of these
    fails. Against the notices' facts, and over the texts that state the value."""
    rows = {r["field"]: r for r in table(evaluate(DEV, load_labels(LABELS)))}
    assert rows["codes"]["counts"] == "tp 105, fp 0, fn 0"
    assert rows["language"]["counts"] == "22 of 22"
    assert rows["materials"]["precision"] >= 0.96 and rows["materials"]["stated_recall"] == 1.0
    assert rows["notice_number"]["stated_counts"] == "17 of 17"
    assert rows["measure_class"]["accuracy"] >= 0.95
    assert rows["measure_type"]["accuracy"] >= 0.95
    assert rows["published_date"]["stated_accuracy"] >= 0.77
    assert rows["effective_date"]["stated_accuracy"] >= 0.81
