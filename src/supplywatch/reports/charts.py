"""Small charts as self-contained SVG images (no browser, no network): they render the same in
the HTML briefing, in its PDF and in any viewer."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

#: Fill of the level bands (none, 관심, 주의, 경계, 심각), light so the line reads on top.
LEVEL_COLOURS = ("#f4f4f4", "#dbeafe", "#fef3c7", "#fed7aa", "#fecaca")
LINE = "#1f2937"


def probability_svg(
    history: list[dict[str, Any]], title: str, width: int = 360, height: int = 110
) -> str:
    """Probability (0..max, line) over the months of ``history`` ([{date, probability,
    level}]), each month's background the colour of its level; a month without a probability
    is a gap in the line."""
    pad_l, pad_r, pad_t, pad_b = 34, 6, 16, 18
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    n = max(1, len(history))
    ps = [r["probability"] for r in history if r.get("probability") is not None]
    top = max(0.1, max(ps) * 1.15) if ps else 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="9">',
        f'<text x="{pad_l}" y="11" fill="{LINE}">{escape(title)}</text>',
    ]
    step = w / n
    for i, r in enumerate(history):
        lv = max(0, min(4, int(r.get("level") or 0)))
        parts.append(
            f'<rect x="{pad_l + i * step:.1f}" y="{pad_t}" width="{step + 0.2:.1f}" '
            f'height="{h}" fill="{LEVEL_COLOURS[lv]}"/>'
        )
    seg: list[str] = []
    lines = []
    for i, r in enumerate(history):
        p = r.get("probability")
        if p is None:
            if seg:
                lines.append(seg)
            seg = []
            continue
        x = pad_l + (i + 0.5) * step
        y = pad_t + h - (p / top) * h
        seg.append(f"{x:.1f},{y:.1f}")
    if seg:
        lines.append(seg)
    for s in lines:
        parts.append(
            f'<polyline points="{" ".join(s)}" fill="none" stroke="{LINE}" stroke-width="1.5"/>'
        )
    for frac in (0.0, 0.5, 1.0):
        y = pad_t + h - frac * h
        parts.append(
            f'<text x="{pad_l - 3}" y="{y + 3:.1f}" text-anchor="end" fill="#555">'
            f"{100 * frac * top:.0f}%</text>"
        )
    if history:
        first = escape(history[0]["date"][:7])
        parts.append(f'<text x="{pad_l}" y="{height - 4}" fill="#555">{first}</text>')
        parts.append(
            f'<text x="{width - pad_r}" y="{height - 4}" text-anchor="end" fill="#555">'
            f"{escape(history[-1]['date'][:7])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def data_uri(svg: str) -> str:
    """The SVG as an image source (an <img> in HTML and in the PDF)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
