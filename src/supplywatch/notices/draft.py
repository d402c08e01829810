"""From an extraction to a registry entry an analyst can confirm: the draft of a candidate
event in the review queue.

The draft holds only what the rules found, in the registry's schema
(``data/measures/README.md``); what they did not find is left empty and listed in
``open_questions`` so the analyst knows what to fill before confirming. Links to earlier
notices are resolved against the registry's legal references (same imposer, same year and
number); a link the registry does not know is named in the note, never guessed.
"""

from __future__ import annotations

import re
from typing import Any

from supplywatch.sources.measures import CONTROLS

#: Registry language codes from the extractor's.
_LANGUAGE = {"zh-Hans": "zh", "zh-Hant": "zh"}
_TYPES = {*CONTROLS, "relaxation", "suspension", "repeal"}
QUOTE_MAX = 300


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", s).strip("-.")


#: The registry's id prefixes (its files name measures CN-..., JP-..., KR-...).
_PREFIX = {"CHN": "CN", "JPN": "JP", "KOR": "KR", "USA": "US", "IDN": "ID", "EUR": "EU"}


def measure_id_for(ex: dict[str, Any], candidate_id: int) -> str:
    """PREFIX-ISSUERS-YEAR-NUMBER when the notice's number is known (a Federal Register
    citation: US-FR-VOLUME-PAGE), else PREFIX-NOTICE-<candidate>; PREFIX: the registry's
    short form of the imposer (CN, JP, KR, ...)."""
    country = ex.get("issuer_country") or "XX"
    imposer = _PREFIX.get(country, country)
    number = ex.get("notice_number") or ""
    m = re.fullmatch(r"(\d{4}) No\. (\d+)", number)
    if m:
        issuers = "-".join(ex.get("issuer") or []) or "GOV"
        return _slug(f"{imposer}-{issuers}-{m.group(1)}-{m.group(2)}")[:80]
    m = re.fullmatch(r"(\d+) FR (\d+)", number)
    if m:
        return f"{imposer}-FR-{m.group(1)}-{m.group(2)}"
    return f"{imposer}-NOTICE-{candidate_id}"


def _quote(text: str, ex: dict[str, Any]) -> str | None:
    """The sentence of the text (as published) around the measure's wording, at most 300
    characters (the evidence spans point into ``text``)."""
    spans = ex.get("evidence", {}).get("measure_type") or []
    if not spans or spans[0].get("span") is None:
        return None
    start, end = spans[0]["span"]
    stops = "。\n.!?！？"
    left = max(text.rfind(c, 0, start) for c in stops)
    right_candidates = [i for i in (text.find(c, end) for c in stops) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    sentence = " ".join(text[left + 1 : right].split())
    if len(sentence) > QUOTE_MAX:
        a = max(0, start - (left + 1) - 100)
        sentence = sentence[a : a + QUOTE_MAX].strip()
    return sentence or None


def _links(
    ex: dict[str, Any], known: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Links of the notice resolved to registry measures; the unresolved ones, as text."""
    imposer = ex.get("issuer_country")
    windows = ex.get("suspension_windows") or []
    start = (ex.get("effective_dates") or [None])[0] or ex.get("published_date")
    out: list[dict[str, Any]] = []
    unknown: list[str] = []
    for link in ex.get("links") or []:
        m = re.fullmatch(r"(\d{4}) No\. (\d+)", link["notice"])
        hits = []
        if m:
            pat = re.compile(rf"\b{m.group(1)}\b.*\bNo\.?\s*{m.group(2)}\b")
            hits = [
                k["measure_id"]
                for k in known
                if k.get("imposer_id_iso3") == imposer
                and pat.search(k.get("legal_reference") or "")
            ]
        if len(hits) != 1:
            unknown.append(f"{link['notice']} ({link['relation']})")
            continue
        if link["relation"] == "suspends":
            to = next((w["to"] for w in windows if w.get("to")), None)
            entry: dict[str, Any] = {"measure_id": hits[0], "relation": "suspends"}
            if start and to:
                entry.update({"from": start, "to": to})
            out.append(entry)
        elif link["relation"] == "repeals":
            entry = {"measure_id": hits[0], "relation": "lifts"}
            if start:
                entry["from"] = start
            out.append(entry)
        else:
            unknown.append(f"{link['notice']} (cited; registry measure {hits[0]})")
    return out, unknown


def draft_entry(
    ex: dict[str, Any],
    *,
    candidate_id: int,
    text: str,
    source_url: str | None,
    title: str | None,
    known: list[dict[str, Any]],
) -> tuple[dict[str, Any], list[str]]:
    """The registry entry proposed from ``ex`` (an extraction's dict) and what is still open.
    ``known``: the registry's measures (``measure_id``, ``imposer_id_iso3``,
    ``legal_reference``) to resolve links against."""
    links, unresolved = _links(ex, known)
    mtype = ex.get("measure_type")
    issuers = list(ex.get("issuer") or [])
    number = ex.get("notice_number")
    typos = set(ex.get("code_typos") or [])
    codes = [
        {"code": c, "typo": True, "note": "printed with 9 digits"} if c in typos else {"code": c}
        for c in ex.get("codes") or []
    ]
    notes = []
    if unresolved:
        notes.append("cites notices not resolved in the registry: " + "; ".join(unresolved))
    entry: dict[str, Any] = {
        "measure_id": measure_id_for(ex, candidate_id),
        "imposer": ex.get("issuer_country"),
        "issuers": issuers,
        "legal_reference": f"{'/'.join(issuers)} Announcement {number}"
        if number and issuers
        else number,
        "title": title,
        "language": _LANGUAGE.get(ex.get("language") or "", ex.get("language")),
        "published": ex.get("published_date"),
        "targets": list(ex.get("targets") or ["ALL"]),
        "source_url": source_url,
        "source_kind": "official",
        "quote": _quote(text, ex),
        "links": links,
        "note": " ".join(notes) or None,
        "clauses": [
            {
                "clause_id": "1",
                "item_group": None,
                "measure_type": mtype if mtype in _TYPES else None,
                "effective": (ex.get("effective_dates") or [None])[0],
                "materials": list(ex.get("materials") or []),
                "codes": codes,
            }
        ],
    }
    open_q = []
    if not entry["imposer"]:
        open_q.append("imposer: no issuing body recognised; give the government's ISO3 code")
    if not entry["published"]:
        open_q.append("published: no publication date found")
    if not source_url:
        open_q.append("source_url: the official page of the notice")
    if entry["clauses"][0]["measure_type"] is None:
        open_q.append(
            f"clauses.0.measure_type: the rules read {mtype or 'nothing'!s}; a statement or "
            "other text is not a measure (reject it, or choose the type)"
        )
    if not entry["clauses"][0]["materials"]:
        open_q.append("clauses.0.materials: no catalog material found")
    if unresolved:
        open_q.append("links: " + "; ".join(unresolved))
    return entry, open_q
