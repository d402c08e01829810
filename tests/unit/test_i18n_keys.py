"""The dashboard's strings: Korean, Japanese and English have the same keys, and every key
the HTML and JavaScript name literally exists (a missing one would show as a raw key)."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "src" / "supplywatch" / "web" / "static"


def _languages() -> dict[str, set[str]]:
    text = (STATIC / "i18n.js").read_text(encoding="utf-8")
    out: dict[str, set[str]] = {}
    current = None
    for line in text.splitlines():
        if m := re.match(r"^  (ko|ja|en): \{$", line):
            current = m.group(1)
            out[current] = set()
        elif current and (m := re.match(r'^    "([^"]+)": ', line)):
            out[current].add(m.group(1))
    return out


def test_three_languages_same_keys() -> None:
    langs = _languages()
    assert set(langs) == {"ko", "ja", "en"}
    assert len(langs["en"]) > 150
    assert langs["ko"] == langs["en"] and langs["ja"] == langs["en"]


def test_every_literal_key_used_exists() -> None:
    keys = _languages()["en"]
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    prefixes = {k.split(".")[0] for k in keys}
    # any complete string literal "<prefix>.<name>" is a key (dynamic ones end in "." and
    # are completed at run time: "level." + n)
    used = {
        k
        for k in re.findall(r'"([a-z_]+\.[a-z0-9_.]*[a-z0-9_])"', js)
        if k.split(".")[0] in prefixes
    }
    used |= set(re.findall(r'data-i18n="([^"]+)"', html))
    assert len(used) > 100
    assert sorted(used - keys) == []
    assert {"plan.title", "plan.submit", "nav.plan"} <= used
