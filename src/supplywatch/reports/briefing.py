"""The weekly briefing as HTML (one self-contained file: charts as SVG images, fonts with full
Hangul and Kanji coverage named in the CSS) and as PDF from the same HTML (WeasyPrint, with the
Noto CJK fonts of the system). Text in Korean, Japanese or English; figures as the services
give them, each with its source and date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from supplywatch.errors import ConfigError
from supplywatch.reports.charts import data_uri, probability_svg

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGS = ("ko", "ja", "en")

T: dict[str, dict[str, str]] = {
    "title": {
        "ko": "주간 공급망 조기경보 브리핑",
        "ja": "週間サプライチェーン早期警戒ブリーフィング",
        "en": "Weekly supply-chain early-warning briefing",
    },
    "importer.KOR": {"ko": "한국", "ja": "韓国", "en": "Korea"},
    "importer.JPN": {"ko": "일본", "ja": "日本", "en": "Japan"},
    "importer.BLOC": {"ko": "한일 합계", "ja": "日韓合計", "en": "KR+JP bloc"},
    "as_of": {"ko": "기준일", "ja": "基準日", "en": "As of"},
    "period": {"ko": "비교 기간", "ja": "比較期間", "en": "Changes since"},
    "summary": {"ko": "요약", "ja": "概要", "en": "Summary"},
    "changed": {
        "ko": "지난 브리핑 이후 변화",
        "ja": "前回ブリーフィング以降の変化",
        "en": "What changed since the last briefing",
    },
    "level_changes": {"ko": "경보 단계 변화", "ja": "警戒レベルの変化", "en": "Level changes"},
    "measures_new": {"ko": "새로 알려진 조치", "ja": "新たに判明した措置", "en": "New measures"},
    "measures_status": {
        "ko": "조치 상태 변화 (유예, 해제, 만료)",
        "ja": "措置の状態変化（停止・解除・期限切れ）",
        "en": "Measures suspended, lifted or expired",
    },
    "signals": {
        "ko": "월간 무역·가격 신호",
        "ja": "月次貿易・価格シグナル",
        "en": "Monthly trade and price signals",
    },
    "cards": {"ko": "주의 이상 품목", "ja": "警戒以上の品目", "en": "Items at caution or above"},
    "quiet": {
        "ko": "주의 미만으로 내려간 품목",
        "ja": "警戒未満に下がった品目",
        "en": "Items that went quiet",
    },
    "freshness": {"ko": "데이터 최신성", "ja": "データの鮮度", "en": "Data freshness"},
    "none": {"ko": "없음", "ja": "なし", "en": "none"},
    "no_data": {"ko": "데이터 없음", "ja": "データなし", "en": "no data"},
    "probability": {
        "ko": "12개월 내 조치·차질 확률",
        "ja": "12か月以内の措置・途絶確率",
        "en": "Probability of a measure or disruption within 12 months",
    },
    "level_since": {"ko": "단계 유지 시작", "ja": "レベル継続開始", "en": "Level since"},
    "drivers": {"ko": "주요 요인", "ja": "主な要因", "en": "Main drivers"},
    "supplier": {"ko": "최대 공급국", "ja": "最大供給国", "en": "Top supplier"},
    "china_production": {
        "ko": "세계 생산 중 중국 비중",
        "ja": "世界生産に占める中国の割合",
        "en": "China's share of world production",
    },
    "measures": {"ko": "시행 중인 조치", "ja": "施行中の措置", "en": "Measures in force"},
    "momentum": {"ko": "조치국 추세", "ja": "措置国の動き", "en": "Imposer's momentum"},
    "cover": {"ko": "비축 일수", "ja": "備蓄日数", "en": "Days of cover"},
    "cover_none": {
        "ko": "재고 자료 없음 (서비스에서 기관이 입력)",
        "ja": "在庫データなし（サービスで機関が入力）",
        "en": "no stock data (entered by your organisation in the service)",
    },
    "industries": {"ko": "영향 받는 산업", "ja": "影響を受ける産業", "en": "Industries touched"},
    "no_chain": {
        "ko": "가치사슬 미정리",
        "ja": "バリューチェーン未整理",
        "en": "no value chain curated yet",
    },
    "shared": {"ko": "HS 코드 공유", "ja": "HSコード共有", "en": "HS code shared with"},
    "sources": {"ko": "출처", "ja": "出典", "en": "Sources"},
    "date": {"ko": "날짜", "ja": "日付", "en": "Date"},
    "item": {"ko": "품목", "ja": "品目", "en": "Item"},
    "from_to": {"ko": "이전 → 현재", "ja": "前 → 現在", "en": "From → to"},
    "reference": {"ko": "법적 근거", "ja": "法的根拠", "en": "Legal reference"},
    "imposer": {"ko": "조치국", "ja": "措置国", "en": "Imposer"},
    "status": {"ko": "상태", "ja": "状態", "en": "Status"},
    "materials": {"ko": "소재", "ja": "素材", "en": "Materials"},
    "source": {"ko": "출처", "ja": "出典", "en": "Source"},
    "latest": {"ko": "최신 공개일", "ja": "最新公開日", "en": "Latest available"},
    "state": {"ko": "상태", "ja": "状態", "en": "State"},
    "watched": {"ko": "관심 목록", "ja": "ウォッチリスト", "en": "watched"},
    "chart": {
        "ko": "확률 (배경: 단계)",
        "ja": "確率（背景：レベル）",
        "en": "Probability (background: level)",
    },
    "counts": {
        "ko": "품목 {items}개 중 주의 이상 {cards}개; 단계 변화 {changes}건; 새 조치 {new}건.",
        "ja": "{items}品目のうち警戒以上{cards}件、レベル変化{changes}件、新たな措置{new}件。",
        "en": "{cards} of {items} items at caution or above; {changes} level changes; "
        "{new} new measures.",
    },
    "footer": {
        "ko": "supplywatch가 공개 자료로 생성. 모든 수치는 출처와 날짜를 표시합니다.",
        "ja": "supplywatch が公開データから作成。すべての数値に出典と日付を示します。",
        "en": "Made by supplywatch from public data; every figure shows its source and date.",
    },
    "factor.supplier_concentration": {
        "ko": "공급국 집중도",
        "ja": "供給国集中度",
        "en": "Supplier concentration",
    },
    "factor.sourcing_governance": {
        "ko": "공급국 거버넌스 위험",
        "ja": "調達先ガバナンスリスク",
        "en": "Sourcing governance risk",
    },
    "factor.production_concentration": {
        "ko": "생산 집중도",
        "ja": "生産集中度",
        "en": "Production concentration",
    },
    "factor.recycling_gap": {
        "ko": "재활용 부족",
        "ja": "リサイクルギャップ",
        "en": "Recycling gap",
    },
    "factor.import_dynamics": {"ko": "수입 변동", "ja": "輸入動向", "en": "Import dynamics"},
    "factor.price_shock": {"ko": "가격 충격", "ja": "価格ショック", "en": "Price shock"},
    "factor.screens": {
        "ko": "의존도 선별 기준",
        "ja": "依存度スクリーニング",
        "en": "Dependence screens",
    },
    "factor.supply_measures": {
        "ko": "공급국 조치",
        "ja": "供給国の措置",
        "en": "Supplier's measures",
    },
}

#: Font stacks with full Hangul and Kanji coverage (Debian fonts-noto-cjk), per language first.
FONTS = {
    "ko": '"Noto Sans CJK KR", "Noto Sans CJK JP", sans-serif',
    "ja": '"Noto Sans CJK JP", "Noto Sans CJK KR", sans-serif',
    "en": '"Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK KR", sans-serif',
}


def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(data: dict[str, Any], lang: str) -> str:
    """The briefing as one self-contained HTML page in ``lang`` (ko, ja, en)."""
    check_lang(lang)

    def t(key: str, **kw: Any) -> str:
        s = T[key][lang]
        return s.format(**kw) if kw else s

    def name(names: dict[str, str]) -> str:
        return names.get(lang) or names.get("en") or ""

    def pct(v: float | None, digits: int = 0) -> str:
        return t("no_data") if v is None else f"{100 * v:.{digits}f}%"

    def items(ids: list[str]) -> str:
        known = data.get("names", {})
        return ", ".join(name(known[i]) if i in known else i for i in ids)

    def level(names: dict[str, str]) -> str:
        return t("none") if names["code"] == "none" else names[lang]

    charts = {
        c["item_id"]: data_uri(probability_svg(c["history"], t("chart"))) for c in data["cards"]
    }
    return (
        _env()
        .get_template("briefing.html.j2")
        .render(
            d=data,
            lang=lang,
            t=t,
            name=name,
            items=items,
            pct=pct,
            level=level,
            charts=charts,
            font=FONTS[lang],
        )
    )


def write(data: dict[str, Any], lang: str, out: Path) -> Path:
    """Write the briefing to ``out``: ``.html`` or ``.pdf`` (rendered from the same HTML)."""
    check_target(lang, out)
    html = render_html(data, lang)
    if out.suffix.lower() == ".html":
        out.write_text(html, encoding="utf-8")
    else:
        out.write_bytes(pdf_bytes(html))
    return out


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ConfigError(f"language must be one of {', '.join(LANGS)}, not {lang!r}", field="lang")


def check_target(lang: str, out: Path) -> None:
    """A clear error before any work: the language, and the file type (.html or .pdf)."""
    check_lang(lang)
    if out.suffix.lower() not in (".html", ".pdf"):
        raise ConfigError(
            f"the briefing is written as .html or .pdf, not {out.name!r}", field="out"
        )


def pdf_bytes(html: str) -> bytes:
    """The PDF of a briefing's HTML (WeasyPrint; fonts from the system's fontconfig)."""
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())
