"""Extraction of supply measures from official notices in Chinese (Simplified and
Traditional), Japanese, Korean, English and Indonesian.

Rules first, each field with the span of (normalised) text it came from and a confidence:
language (CLD2, bundled in pycld2), issuer, notice number, dates (publication, effective per
clause, suspension windows; Gregorian, CJK and Japanese-era forms), measure type and class,
catalog materials (their names in four languages and aliases; Traditional Chinese converted to
Simplified with OpenCC's bundled tables), tariff codes as printed (8/10 digits, 9 flagged),
targets and links to earlier notices. Nothing is downloaded at run time.

A file may begin with a header between two ``---`` lines: it is ignored (it is the label).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from supplywatch.items.loader import load_materials

# --- language ---------------------------------------------------------------------------------
_LANG = {
    "zh": "zh-Hans",
    "zh-Hant": "zh-Hant",
    "ja": "ja",
    "ko": "ko",
    "en": "en",
    "id": "id",
    "ms": "id",
}


@dataclass
class Found:
    value: Any
    start: int | None = None
    end: int | None = None
    text: str | None = None
    confidence: float = 0.5

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            # [start, end) in the text as given; ``text``: what matched, once normalised
            "span": None if self.start is None else [self.start, self.end],
            "text": self.text,
            "confidence": round(self.confidence, 2),
        }


@dataclass
class Extraction:
    """What a notice says, field by field (``evidence`` holds the spans)."""

    language: str | None = None
    issuer: list[str] = field(default_factory=list)
    issuer_country: str | None = None
    notice_number: str | None = None
    published_date: str | None = None
    effective_dates: list[str] = field(default_factory=list)
    suspension_windows: list[dict[str, str | None]] = field(default_factory=list)
    measure_class: str = "other"
    measure_type: str | None = None
    materials: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    code_typos: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=lambda: ["ALL"])
    links: list[dict[str, str]] = field(default_factory=list)
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "issuer": self.issuer,
            "issuer_country": self.issuer_country,
            "notice_number": self.notice_number,
            "published_date": self.published_date,
            "effective_dates": self.effective_dates,
            "suspension_windows": self.suspension_windows,
            "measure_class": self.measure_class,
            "measure_type": self.measure_type,
            "materials": self.materials,
            "codes": self.codes,
            "code_typos": self.code_typos,
            "targets": self.targets,
            "links": self.links,
            "evidence": self.evidence,
        }


def strip_header(text: str) -> str:
    """The text after a leading ``---`` ... ``---`` header (the whole text if none)."""
    lines = text.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return "".join(lines[i + 1 :])
    return text


def detect_language(text: str) -> Found:
    import pycld2

    sample = text[:20_000].encode("utf-8", "replace").decode("utf-8")
    try:
        reliable, _n, details = pycld2.detect(sample)
    except pycld2.error:
        return Found(None, confidence=0.0)
    code = details[0][1]
    lang = _LANG.get(code)
    if lang is None and code.startswith("zh"):
        lang = "zh-Hant" if "Hant" in code else "zh-Hans"
    # CLD2 calls much Japanese with kanji "Chinese": kana settle it.
    if lang and lang.startswith("zh") and re.search(r"[\u3040-\u30ff]", sample):
        lang = "ja"
    conf = details[0][2] / 100.0 if reliable else 0.4
    return Found(lang or code, 0, min(len(text), 200), None, conf)


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str, lang: str | None) -> str:
    """NFKC (full-width digits and brackets), HTML entities, Traditional -> Simplified."""
    return normalise_mapped(text, lang)[0]


_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PINYIN = re.compile(r"(?<=[\u3400-\u9fff])\(([a-zA-Z\u00c0-\u024f\u1e00-\u1eff]{1,7})\)")


def normalise_mapped(text: str, lang: str | None) -> tuple[str, list[int]]:
    """``normalise`` and, for each character of the result (plus its end), the offset in
    ``text`` it came from: evidence spans point into the text as given."""
    import html

    out: list[str] = []
    where: list[int] = []
    i = 0
    for m in _ENTITY.finditer(text):
        for k in range(i, m.start()):
            _put(out, where, text[k], k)
        rep = html.unescape(m.group(0))
        for ch in rep:
            _put(out, where, ch, m.start())
        i = m.end()
    for k in range(i, len(text)):
        _put(out, where, text[k], k)
    t = "".join(out)
    if lang == "zh-Hant":
        conv = _t2s().convert(t)
        if len(conv) == len(t):  # character for character: offsets unchanged
            t = conv
        else:  # phrase conversions changed the length: convert character by character
            t = "".join(_t2s().convert(ch) if len(_t2s().convert(ch)) == 1 else ch for ch in t)
    if lang and lang.startswith("zh"):
        # reposts annotate characters with pinyin: 商(shāng)务(wù) -> 商务
        keep = [True] * len(t)
        for m in _PINYIN.finditer(t):
            keep[m.start() : m.end()] = [False] * (m.end() - m.start())
        where = [w for w, k in zip(where, keep, strict=True) if k]
        t = "".join(ch for ch, k in zip(t, keep, strict=True) if k)
    where.append(len(text))
    return t, where


def _put(out: list[str], where: list[int], ch: str, at: int) -> None:
    for c in unicodedata.normalize("NFKC", ch):
        out.append(c)
        where.append(at)


# --- issuers ---------------------------------------------------------------------------------
_ISSUERS: list[tuple[str, str, str]] = [  # (pattern, issuer, country)
    (r"商务部|商務部|Ministry of Commerce|MOFCOM", "MOFCOM", "CHN"),
    (r"海关总署|海關總署|General Administration of Customs|GACC", "GACC", "CHN"),
    (r"科学技术部|科技部|Ministry of Science and Technology", "MOST", "CHN"),
    (r"国务院关税税则委员会|Customs Tariff Commission", "Tariff Commission", "CHN"),
    (r"经济产业省|経済産業省|経産省|Ministry of Economy, Trade and Industry|METI", "METI", "JPN"),
    (r"閣議|Cabinet Order|政令", "Cabinet", "JPN"),
    (r"산업통상자원부|산업부|Ministry of Trade, Industry and Energy|MOTIE", "MOTIE", "KOR"),
    (r"관세청|Korea Customs Service", "KCS", "KOR"),
    (r"Bureau of Industry and Security|\bBIS\b", "BIS", "USA"),
    (r"Department of Commerce", "DOC", "USA"),
    (r"Kementerian Energi dan Sumber Daya Mineral|\bESDM\b", "ESDM", "IDN"),
    (r"Official Journal of the European Union|European Commission", "EU", "EUR"),
]


#: A body named with its parent: the parent is not a second issuer.
_PARENT = {"BIS": "DOC"}


def _issuers(t: str) -> tuple[list[str], str | None, list[dict[str, Any]]]:
    """Issuing bodies: those named in the heading (first 200 characters) or the signature
    (last 200); if none is, the first named. The issuer's country is the first one's."""
    found: list[tuple[int, str, str, re.Match[str]]] = []
    for pat, name, where in _ISSUERS:
        for m in re.finditer(pat, t):
            if m.start() < 200 or m.start() >= len(t) - 200:
                found.append((m.start(), name, where, m))
                break
    if not found:
        for pat, name, where in _ISSUERS:
            first = re.search(pat, t)
            if first:
                found.append((first.start(), name, where, first))
        found = sorted(found, key=lambda f: f[0])[:1]
    found.sort(key=lambda f: f[0])
    names = list(dict.fromkeys(f[1] for f in found))
    names = [n for n in names if n not in {_PARENT.get(x) for x in names}]
    found = [f for f in found if f[1] in names]
    country = found[0][2] if found else None
    ev = [Found(f[1], f[3].start(), f[3].end(), f[3].group(0), 0.8).as_dict() for f in found]
    return names, country, ev


# --- notice numbers ---------------------------------------------------------------------------
_NUMBER = [
    re.compile(r"(?:公告|令)\s*(?P<y>(?:19|20)\d{2})\s*年\s*第?\s*(?P<n>\d{1,3})\s*[号號]"),
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*第?\s*(?P<n>\d{1,3})\s*[号號]"),
    re.compile(r"No\.?\s*(?P<n>\d{1,3})\s*(?:of|\[|\(|,)\s*(?P<y>(?:19|20)\d{2})", re.I),
    re.compile(
        r"No\.\s*(?P<n>\d{1,3})\b[^.\n\d]{0,60}?\b(?:in|of)\s+(?P<y>(?:19|20)\d{2})\b", re.I
    ),
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*(?:Announcement\s*)?No\.?\s*(?P<n>\d{1,3})\b", re.I),
    re.compile(r"Nomor\s*(?P<n>\d{1,3})\s*Tahun\s*(?P<y>(?:19|20)\d{2})", re.I),
    re.compile(r"No\.\s*(?P<n>\d{1,3})\s*tahun\s*(?P<y>(?:19|20)\d{2})", re.I),
    re.compile(r"(?P<vol>\d{2})\s*FR\s*(?P<page>\d{3,6})"),
]


def _numbers(t: str) -> list[tuple[str, re.Match[str]]]:
    out: list[tuple[str, re.Match[str]]] = []
    taken: list[tuple[int, int]] = []
    for pat in _NUMBER:
        for m in pat.finditer(t):
            if any(a <= m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            g = m.groupdict()
            key = f"{g['vol']} FR {g['page']}" if g.get("vol") else f"{g['y']} No. {int(g['n'])}"
            out.append((key, m))
    out.sort(key=lambda x: x[1].start())
    return out


# --- dates ------------------------------------------------------------------------------------
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan", "januari"),
            ("february", "feb", "februari"),
            ("march", "mar", "maret"),
            ("april", "apr"),
            ("may", "mei"),
            ("june", "jun", "juni"),
            ("july", "jul", "juli"),
            ("august", "aug", "agustus"),
            ("september", "sep", "sept"),
            ("october", "oct", "oktober"),
            ("november", "nov"),
            ("december", "dec", "desember"),
        ]
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATES = [
    re.compile(r"(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(
        r"(?P<era>令和|平成)\s*(?P<ey>元|\d{1,2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    ),
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일"),
    re.compile(r"(?P<y>(?:19|20)\d{2})\.\s*(?P<m>\d{1,2})\.\s*(?P<d>\d{1,2})\b"),
    # machine translations of Chinese pages render 年月日 as words: "2024Year9Month15"
    re.compile(
        r"(?P<y>(?:19|20)\d{2})\s*Year\s*(?P<m>\d{1,2})\s*Month\s*(?P<d>\d{1,2})(?:\s*Day)?"
    ),
    re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),  # year from the text
    re.compile(r"(?<![\d년])(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일"),
    re.compile(rf"(?P<mn>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>(?:19|20)\d{{2}})", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<mn>{_MONTH_RE})\.?,?\s+(?P<y>(?:19|20)\d{{2}})", re.I),
]
_ERA = {"令和": 2018, "平成": 1988}
_EFFECTIVE = re.compile(
    r"^\s*(起|以后|以後)?\s*(正式)?(施行|实施|實施|生效)|^\s*(より|から|以降|に施行)|施行する|効力|"
    r"take[s]? effect|enter(?:s|ed)? into force|come[s]? into (?:force|effect)|in force|"
    r"^\s*(?:onwards?|onward)|berlaku|^\s*(?:부터|에 시행|시행)|발효|"
    r"^\s*(?:formal(?:ly)? )?implement(?:ation|ed)",
    re.I,
)
_PUBLISHED = re.compile(
    r"发文日期|發文日期|发布日期|發布日期|成文日期|Date of Issu|Release Date|Issuance|公布|発表|"
    r"published|announced|issued|ditetapkan|diundangkan|ditandatangani|dated|발표|고시|发布|發布",
    re.I,
)
_UNTIL = re.compile(r"至|到|until|through|まで|까지|sampai", re.I)
_ON_PUBLICATION = re.compile(
    r"自(公布|发布|發布)之日起|自即日起|"
    r"effective (?:up)?on (?:the date of )?(?:publication|issuance|release)|"
    r"shall (?:come into force|take effect) (?:from|on) the date of (?:publication|issuance)",
    re.I,
)


def _date_of(m: re.Match[str], year: int | None = None) -> date | None:
    g = m.groupdict()
    try:
        if g.get("era"):
            y = _ERA[g["era"]] + (1 if g["ey"] == "元" else int(g["ey"]))
        elif g.get("y") is None:
            if year is None:
                return None
            y = year
        else:
            y = int(g["y"])
        mo = _MONTHS[g["mn"].lower()] if g.get("mn") else int(g["m"])
        return date(y, mo, int(g["d"]))
    except (ValueError, KeyError):
        return None


def _dates(t: str) -> list[tuple[date, re.Match[str]]]:
    """Every date of the text; a month and day without a year take the year the text's
    full dates (or the first four-digit year in it) name most often."""
    from collections import Counter

    years = Counter(int(y) for y in re.findall(r"((?:19|20)\d{2})\s*(?:年|년|-\d|\.)", t))
    years.update(int(y) for y in re.findall(r"\b((?:19|20)\d{2})\b", t[:400]))
    year = years.most_common(1)[0][0] if years else None
    out: list[tuple[date, re.Match[str]]] = []
    taken: list[tuple[int, int]] = []
    for pat in _DATES:
        for m in pat.finditer(t):
            if any(a <= m.start() < b or a < m.end() <= b for a, b in taken):
                continue
            d = _date_of(m, year)
            if d is not None and 1990 <= d.year <= 2100:
                taken.append((m.start(), m.end()))
                out.append((d, m))
    out.sort(key=lambda x: x[1].start())
    return out


# --- measure type and class -----------------------------------------------------------------
#: (pattern, type, class, strength). The notice's measure is its first *operative* wording
#: (strength 2: what the text does: "shall not be exported without a licence", "suspends",
#: "lifts"); without one, its first general wording (strength 1: "export control", "licence").
#: A law's name ("出口管制法", "Export Control Law") is neither.
_TYPES: list[tuple[str, str, str, int]] = [
    (
        r"答记者问|答記者問|新闻发言人|新聞發言人|^\s*问\s*[:：]|spokesperson|記者会見|\bopinions?\b|"
        r"\bcomments? on\b|대변인",
        "statement",
        "statement",
        3,
    ),
    (
        r"暂停实施|暫停實施|暂停执行|暫停執行|suspend(?:s|ed|ing)? (?:the )?(?:implementation"
        r"|measures?)|"
        r"停止適用|적용을?\s*유예|유예|penundaan",
        "suspension",
        "relaxation",
        2,
    ),
    (
        r"取消.{0,12}(?:管制|措施)|lift(?:s|ed"
        r"|ing)? (?:the )?(?:export )?(?:controls?|bans?|restrictions?)"
        r"|repeal(?:s|ed|ing)? (?:the )?(?:export )?(?:controls?|bans?|restrictions?)"
        r"|解除|緩和|relax(?:es|ed|ing)?\b|eas(?:es|ed"
        r"|ing) (?:the )?(?:export )?(?:controls?|restrictions?)"
        r"|restor(?:e|es|ed|ing)\b|再指定|復帰|화이트리스트.{0,10}(?:복원|재지정)|원상회복|복귀",
        "relaxation",
        "relaxation",
        2,
    ),
    (
        r"禁止出口限制出口技术|禁止出口限制出口技術|技术出口.{0,4}目录|技術出口.{0,4}目錄|"
        r"technology catalogue|technolog(?:y|ies) export",
        "technology_ban",
        "control",
        2,
    ),
    (
        r"禁止.{0,20}出口|不予许可|不予許可|export ban|ban(?:s|ned)? (?:on )?(?:the )?exports?|"
        r"prohibit(?:s|ed|ing)? (?:the )?export|larangan ekspor|dilarang (?:untuk )?(?:di)?ekspor|"
        r"수출\s*금지|輸出禁止|輸出を禁止",
        "export_ban",
        "control",
        2,
    ),
    (
        r"配额(?!许可证事务局)|配額(?!許可證事務局)|export quotas?|kuota ekspor",
        "quota",
        "control",
        2,
    ),
    (r"出口关税|出口關稅|export (?:tax|duty|duties)|bea keluar", "export_tax", "control", 2),
    (
        r"法定检验|法定檢驗|出口.{0,6}检验|出口.{0,6}檢驗|export (?:commodity )?inspection|"
        r"subject to (?:export )?inspection|commodity inspection|수출\s*검사",
        "inspection",
        "control",
        2,
    ),
    (
        r"未经许可|未經許可|shall not be exported without|may not be exported without|"
        r"licen[cs]e (?:is|are|will be|shall be) required|require[sd]? an? (?:export )?licen[cs]e|"
        r"許可を要する|個別許可|個別の許可|izin ekspor|rekomendasi ekspor|허가를 받아야",
        "export_licence",
        "control",
        2,
    ),
    (
        r"出口管制(?!法)|出口許可|出口许可|许可证|export controls?(?! law| act)|licen[cs]e|許可|"
        r"허가|輸出管理",
        "export_licence",
        "control",
        1,
    ),
    # a list of tariff codes "for reference" is the annex of a control
    (
        r"参考海关商品编号|參考海關商品編號|参考商品编号|税则号列|稅則號列",
        "export_licence",
        "control",
        1,
    ),
]


def _measure(t: str) -> tuple[str | None, str, list[dict[str, Any]]]:
    """The notice's measure: a statement if it says so near its top; else the first
    operative wording; else the first general wording (see ``_TYPES``)."""
    hits = []
    for order, (pat, typ, cls, strength) in enumerate(_TYPES):
        m = re.search(pat, t, re.I | re.M)
        if m is None:
            continue
        if typ == "statement" and m.start() > 300:
            continue
        hits.append((-strength, m.start(), order, typ, cls, m))
    if not hits:
        return None, "other", []
    neg, _pos, _order, typ, cls, m = min(hits, key=lambda h: (h[0], h[1], h[2]))
    conf = {3: 0.8, 2: 0.8, 1: 0.5}[-neg]
    return typ, cls, [Found(typ, m.start(), m.end(), m.group(0), conf).as_dict()]


# --- materials --------------------------------------------------------------------------------
#: Words that contain a material's name but are not about it.
_NOT_MATERIAL = {
    "silver": ("银行", "銀行", "银团"),
    "tin": ("无锡", "無錫"),
    "copper": ("铜锣",),
    "lead": ("leader", "leadership", "leading", "misleading"),
}
_GROUPS = {
    "rare_earth": ("稀土", "rare earth", "レアアース", "希土類", "희토류", "tanah jarang"),
    # "graphite" alone names both the natural and the synthetic kind
    "graphite": ("石墨", "graphite", "黒鉛", "흑연", "grafit"),
}
_GROUP_MEMBERS = {"graphite": ("natural_graphite", "synthetic_graphite")}


@cache
def _material_names() -> list[tuple[str, str, bool]]:
    """(material, name, is_cjk) for every name and alias, longest first."""
    out: list[tuple[str, str, bool]] = []
    for m in load_materials():
        names = [m.names.en, m.names.ko, m.names.ja, m.names.zh, *m.aliases]
        if m.material_id not in {"lead"}:
            names.append(m.material_id.replace("_", " "))
        group_words = {w.lower() for ws in _GROUPS.values() for w in ws}
        for n in names:
            n = normalise(n, None)
            if n.lower() in group_words:
                continue  # a group's word counts for the whole group (below)
            cjk = bool(re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", n))
            if cjk or len(n) >= 4:
                out.append((m.material_id, n, cjk))
        # Simplified forms of the Chinese name, for text converted from Traditional
        out.append((m.material_id, normalise(m.names.zh, "zh-Hant"), True))
    return sorted(set(out), key=lambda x: -len(x[1]))


@cache
def _groups() -> dict[str, list[str]]:
    g: dict[str, list[str]] = {k: list(v) for k, v in _GROUP_MEMBERS.items()}
    for m in load_materials():
        if m.group.startswith("rare_earth"):
            g.setdefault("rare_earth", []).append(m.material_id)
    return g


def _materials(t: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Catalog materials the notice is about: named (any language, aliases, groups) often
    enough — at least a quarter as often as the most named one, or in its first lines. A
    name met once inside a compound of another (gallium *arsenide*) does not make the notice
    about it."""
    low = t.lower()
    masked = low
    for bad_words in _NOT_MATERIAL.values():
        for w in bad_words:
            masked = masked.replace(w.lower(), " " * len(w))
    hits: dict[str, Found] = {}
    counts: dict[str, int] = {}
    used = [False] * len(masked)  # a longer name's span is not counted again for a shorter
    for mid, name, cjk in _material_names():
        n = name.lower()
        if cjk and len(n) == 1 and re.match(r"[\uac00-\ud7af]", n):
            continue  # one Hangul syllable is a word part (은, 납), not a material
        if cjk:  # spaces between the characters of a CJK name may come or go (불화 폴리이미드)
            pat = r"\s*".join(re.escape(ch) for ch in n.replace(" ", ""))
            spans = [(i.start(), i.end()) for i in re.finditer(pat, masked)]
        else:
            spans = [
                (i.start(), i.end())
                for i in re.finditer(rf"(?<![\w-]){re.escape(n)}(?![\w-])", masked)
            ]
        spans = [(a, b) for a, b in spans if not any(used[a:b])]
        if not spans:
            continue
        for a, b in spans:
            used[a:b] = [True] * (b - a)
        counts[mid] = counts.get(mid, 0) + len(spans)
        a, b = spans[0]
        if mid not in hits or a < (hits[mid].start or 0):
            hits[mid] = Found(mid, a, b, t[a:b], 0.8 if len(n) > 1 else 0.6)
    for group, words in _GROUPS.items():
        seen = 0
        first: tuple[int, str] | None = None
        for word in words:
            for mm in re.finditer(rf"(?<![a-z]){re.escape(word.lower())}", masked):
                seen += 1
                if first is None or mm.start() < first[0]:
                    first = (mm.start(), word)
        if first is not None:
            at, word = first
            for mid in _groups().get(group, []):
                counts[mid] = counts.get(mid, 0) + seen
                hits.setdefault(mid, Found(mid, at, at + len(word), t[at : at + len(word)], 0.5))
    top = max(counts.values(), default=0)
    keep = [k for k in hits if counts[k] * 4 >= top or (hits[k].start or 0) < 120]
    found = sorted(keep, key=lambda k: hits[k].start or 0)
    for k in found:
        hits[k].confidence = min(0.95, hits[k].confidence + 0.05 * (counts[k] - 1))
    return found, [hits[k].as_dict() for k in found]


# --- codes ------------------------------------------------------------------------------------
_CODE_CUE = re.compile(
    r"海关商品编号|海關商品編號|商品编号|商品編號|税则号列|稅則號列|HS\s*code|customs commodity|"
    r"commodity (?:number|code)|product number|tariff|세번|HSK|統計品目番号|kode HS|Pos Tarif",
    re.I,
)


def _codes(t: str) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    codes: list[str] = []
    typos: list[str] = []
    ev = []
    pattern = r"(?<!\d)(?<!\d[.,/-])(\d{8,10}|\d{4}\.\d{2}(?:\.\d{2,4})?)(?!\d|[.,/-]\d|\s*年)"
    for m in re.finditer(pattern, t):
        raw = m.group(1)
        digits = raw.replace(".", "")
        window = t[max(0, m.start() - 300) : m.start()]
        cued = bool(_CODE_CUE.search(window))
        looks_date = bool(re.fullmatch(r"(19|20)\d{2}(0[1-9]|1[0-2])([0-2]\d|3[01])", digits))
        if not 1 <= int(digits[:2]) <= 97 or (looks_date and not cued):
            continue
        if not cued and "." not in raw:
            continue
        if len(digits) == 9:
            typos.append(raw)
        codes.append(raw)
        ev.append(Found(raw, m.start(), m.end(), raw, 0.9 if cued else 0.6).as_dict())
    return list(dict.fromkeys(codes)), list(dict.fromkeys(typos)), ev


# --- targets ------------------------------------------------------------------------------------
_COUNTRIES: dict[str, tuple[str, ...]] = {
    "USA": ("美国", "米国", "미국", "United States", "U.S.", "Amerika Serikat"),
    "JPN": ("日本", "일본", "Japan"),
    "KOR": ("韩国", "韓国", "大韓民国", "한국", "대한민국", "Korea", "ROK"),
    "CHN": ("中国", "中華人民共和国", "중국", "China"),
    "TWN": ("台湾", "台灣", "Taiwan"),
    "IDN": ("印度尼西亚", "インドネシア", "인도네시아", "Indonesia"),
    "RUS": ("俄罗斯", "ロシア", "러시아", "Russia"),
    "NLD": ("荷兰", "Netherlands"),
    "DEU": ("德国", "Germany"),
}
_TARGET_CUE = re.compile(
    r"对|對|向け|対|への|に対する|에 대한|대상|to the|to|exports? to|against|terhadap|ke", re.I
)


def _targets(t: str, own: str | None) -> tuple[list[str], list[dict[str, Any]]]:
    found: dict[str, Found] = {}
    for iso, names in _COUNTRIES.items():
        if iso == own:
            continue
        for n in names:
            for m in re.finditer(re.escape(n), t):
                before = t[max(0, m.start() - 12) : m.start()]
                after = t[m.end() : m.end() + 6]
                if _TARGET_CUE.search(before) or re.match(r"向け|への|に対|에 대|을|를", after):
                    found.setdefault(
                        iso,
                        Found(iso, m.start(), m.end(), t[max(0, m.start() - 6) : m.end() + 4], 0.6),
                    )
    if not found:
        return ["ALL"], []
    keep = sorted(found, key=lambda k: found[k].start or 0)
    return keep, [found[k].as_dict() for k in keep]


# --- the whole notice ---------------------------------------------------------------------------
def extract(text: str) -> Extraction:
    """Everything the rules find in a notice's text (a header is ignored)."""
    body = strip_header(text)
    lang = detect_language(body)
    t, where = normalise_mapped(body, lang.value)
    ex = Extraction(language=lang.value)
    ex.evidence["language"] = [lang.as_dict()]
    ex.issuer, ex.issuer_country, ex.evidence["issuer"] = _issuers(t)
    numbers = _numbers(t)
    if numbers:
        own = _own_number(t, numbers)
        if own is not None:
            ex.notice_number = own[0]
            ex.evidence["notice_number"] = [
                Found(own[0], own[1].start(), own[1].end(), own[1].group(0), 0.7).as_dict()
            ]
        for key, m in numbers:
            if own is None or key != own[0]:
                ctx = t[max(0, m.start() - 30) : m.end() + 30]
                rel = (
                    "suspends"
                    if re.search(r"暂停|暫停|suspend", ctx, re.I)
                    else "repeals"
                    if re.search(r"废止|廢止|repeal|取消", ctx, re.I)
                    else "refers"
                )
                ex.links.append({"notice": key, "relation": rel})
        specific = {x["notice"] for x in ex.links if x["relation"] != "refers"}
        ex.links = [
            dict(x)
            for x in {(x["notice"], x["relation"]): x for x in ex.links}.values()
            if x["relation"] != "refers" or x["notice"] not in specific
        ]
    _fill_dates(ex, t)
    ex.measure_type, ex.measure_class, ex.evidence["measure_type"] = _measure(t)
    ex.materials, ex.evidence["materials"] = _materials(t)
    ex.codes, ex.code_typos, ex.evidence["codes"] = _codes(t)
    ex.targets, ex.evidence["targets"] = _targets(t, ex.issuer_country)
    # spans: offsets in the text as given (header included), not in the normalised text
    skip = len(text) - len(body)
    for found in ex.evidence.values():
        for f in found:
            if f.get("span") is not None:
                a, b = f["span"]
                a, b = min(a, len(t)), min(b, len(t))
                f["span"] = [skip + where[a], skip + (where[b - 1] + 1 if b > a else where[a])]
    return ex


def _own_number(
    t: str, numbers: list[tuple[str, re.Match[str]]]
) -> tuple[str, re.Match[str]] | None:
    """The notice's own number: one after a number cue (文号, Document Number), or one near
    the top of the text that is not the citation of another notice; else none (a number in
    the body is a link, not the notice's own)."""
    for key, m in numbers:
        before = t[max(0, m.start() - 12) : m.start()]
        if re.search(r"文号|文號|Document Number|Issuance Number", before):
            return key, m
    for key, m in numbers:
        if m.start() > 300:
            break
        before = t[max(0, m.start() - 40) : m.start()]
        after = t[m.end() : m.end() + 60]
        cited = re.search(
            r"《[^》]*$|依照|根据|根據|按照|对|對|pursuant|under|amend|perubahan", before, re.I
        )
        if not cited and not re.search(r"废止|廢止|repeal|replac|superseded|dicabut", after, re.I):
            return key, m
    return None


def _fill_dates(ex: Extraction, t: str) -> None:
    dates = _dates(t)
    published: tuple[date, re.Match[str], float] | None = None
    effective: list[tuple[date, re.Match[str]]] = []
    for d, m in dates:
        before = t[max(0, m.start() - 40) : m.start()]
        after = t[m.end() : m.end() + 25]
        if _UNTIL.search(before[-6:]):
            ex.suspension_windows.append({"from": None, "to": d.isoformat()})
            continue
        if _EFFECTIVE.search(after) or re.search(
            r"effective(?: date)?:?\s*(?:this rule is effective)?"
            r"|(?:effect|starting|from|as of)\s*(?:on|from)?\s*$"
            r"|自\s*$|자\s*$|mulai\s*(?:tanggal)?\s*$|with effect from\s*$",
            before[-40:],
            re.I,
        ):
            effective.append((d, m))
        elif published is None and (
            _PUBLISHED.search(before[-20:] + after[:24])
            or re.match(r"\s*(?:、|,)", after)  # "X は7月1日、..." / "On 3 July, ..."
            and re.search(r"(?:は|于|於|は、|On)\s*$", before, re.I)
        ):
            published = (d, m, 0.8)
    if published is None and dates:
        # a notice's own date standing alone on its line: its signature near the end, or
        # its dateline at the top; effective dates are not publication dates
        rest = [(d, m) for d, m in dates if all(m is not e[1] for e in effective)]
        alone = [(d, m) for d, m in rest if _alone_on_line(t, m)]
        tail = [x for x in alone if x[1].start() > len(t) * 0.6]
        head = [x for x in alone if x[1].start() < 300]
        pick = tail[-1] if tail else head[0] if head else None
        if pick is not None:
            published = (pick[0], pick[1], 0.6)
    if published is not None:
        d, m, conf = published
        ex.published_date = d.isoformat()
        ex.evidence["published_date"] = [
            Found(ex.published_date, m.start(), m.end(), m.group(0), conf).as_dict()
        ]
    if _ON_PUBLICATION.search(t) and ex.published_date:
        m2 = _ON_PUBLICATION.search(t)
        assert m2 is not None
        effective.insert(0, (date.fromisoformat(ex.published_date), m2))
    ex.effective_dates = list(dict.fromkeys(d.isoformat() for d, _m in effective))
    ex.evidence["effective_dates"] = [
        Found(d.isoformat(), m.start(), m.end(), m.group(0), 0.8).as_dict() for d, m in effective
    ]


def _alone_on_line(t: str, m: re.Match[str]) -> bool:
    start = t.rfind("\n", 0, m.start()) + 1
    end = t.find("\n", m.end())
    line = t[start : len(t) if end < 0 else end]
    rest = line.replace(m.group(0), "")
    return len(re.sub(r"[\s\W_]", "", rest)) <= 4


def extract_file(path: Path) -> dict[str, Any]:
    """The extraction of one text file, as the CLI prints it."""
    from supplywatch.errors import DataError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(str(path), f"cannot read the notice as UTF-8 text: {exc}") from exc
    return {"file": str(path), **extract(text).as_dict()}
