"""Accuracy of the notice extraction against labelled notices, field by field.

Precision and recall (micro, over all files) for the set-valued fields — materials, codes,
issuers, targets — and accuracy for the single-valued ones — language, notice number,
publication date, first effective date, measure class and type. Gold codes are the codes a
file's header names that its text contains (an excerpt cannot be asked for codes it lacks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from supplywatch.notices.extract import extract

SETS = ("materials", "codes", "issuer", "targets")
SINGLES = (
    "language",
    "notice_number",
    "published_date",
    "effective_date",
    "measure_class",
    "measure_type",
)


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)
    stated: Score | None = None  # the same, over the files whose text states the value

    @property
    def precision(self) -> float | None:
        return None if self.tp + self.fp == 0 else self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return None if self.tp + self.fn == 0 else self.tp / (self.tp + self.fn)

    @property
    def accuracy(self) -> float | None:
        return None if self.total == 0 else self.right / self.total


def _header_codes(text: str) -> set[str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return set()
    header = []
    for line in lines[1:]:
        if line.strip() == "---":
            break
        header.append(line)
    named = " ".join(h for h in header if h.startswith("hs_codes_named"))
    return set(re.findall(r"(?<!\d)\d{8,10}(?!\d)", named))


#: Label keys of ``not_in_text`` per scored field.
_LABEL_KEY = {"published_date": "published", "effective_date": "effective"}


def evaluate(folder: Path, labels: dict[str, dict[str, Any]]) -> dict[str, Score]:
    """Scores of the extraction of every labelled file of ``folder``: against the notices'
    facts, and (``Score.stated``) over the files whose text states the value (a label's
    ``not_in_text`` lists the fields whose value the text lacks)."""
    scores = {k: Score(stated=Score()) for k in (*SETS, *SINGLES)}
    for name, gold in sorted(labels.items()):
        absent = set(gold.get("not_in_text") or [])
        text = (folder / name).read_text(encoding="utf-8")
        got = extract(text).as_dict()
        body = text.split("\n---", 2)[-1] if text.startswith("---") else text
        want_sets = {
            "materials": set(gold.get("materials") or []),
            "codes": {c for c in _header_codes(text) if c in body},
            "issuer": set(gold.get("issuer") or []),
            "targets": set(gold.get("targets") or ["ALL"]),
        }
        for k, want in want_sets.items():
            have = set(got[k])
            for s in _targets(scores[k], _LABEL_KEY.get(k, k) in absent):
                s.tp += len(have & want)
                s.fp += len(have - want)
                s.fn += len(want - have)
                if have != want:
                    s.misses.append(f"{name}: got {sorted(have)}, want {sorted(want)}")
        singles = {
            "language": (got["language"], gold.get("language")),
            "notice_number": (got["notice_number"], gold.get("notice_number")),
            "published_date": (got["published_date"], _iso(gold.get("published"))),
            "effective_date": (
                got["effective_dates"][0] if got["effective_dates"] else None,
                _iso(gold.get("effective")),
            ),
            "measure_class": (got["measure_class"], gold.get("measure_class")),
            "measure_type": (got["measure_type"], gold.get("measure_type")),
        }
        for k, (have_v, want_v) in singles.items():
            for s in _targets(scores[k], _LABEL_KEY.get(k, k) in absent):
                s.total += 1
                if have_v == want_v:
                    s.right += 1
                else:
                    s.misses.append(f"{name}: got {have_v}, want {want_v}")
    return scores


def _targets(s: Score, absent: bool) -> list[Score]:
    assert s.stated is not None
    return [s] if absent else [s, s.stated]


def _iso(v: object) -> str | None:
    return None if v is None else str(v)


def load_labels(path: Path) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def table(scores: dict[str, Score]) -> list[dict[str, Any]]:
    """One row per field: precision/recall or accuracy, with counts."""
    rows = []

    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 3)

    for k in SETS:
        s, st = scores[k], scores[k].stated
        assert st is not None
        rows.append(
            {
                "field": k,
                "precision": r(s.precision),
                "recall": r(s.recall),
                "counts": f"tp {s.tp}, fp {s.fp}, fn {s.fn}",
                "stated_recall": r(st.recall),
                "stated_counts": f"tp {st.tp}, fn {st.fn}",
            }
        )
    for k in SINGLES:
        s, st = scores[k], scores[k].stated
        assert st is not None
        rows.append(
            {
                "field": k,
                "accuracy": r(s.accuracy),
                "counts": f"{s.right} of {s.total}",
                "stated_accuracy": r(st.accuracy),
                "stated_counts": f"{st.right} of {st.total}",
            }
        )
    return rows
