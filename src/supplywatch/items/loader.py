"""Load, validate, search the item catalog; derive HS codes for every revision; store it.

HS2022 codes are declared per material; older revisions are derived by walking the shared
concordance backwards (H6 -> H5 -> ... -> H0). Where a step merged several older codes into one
newer code, the material sat in one of them and the concordance cannot tell which: all are
kept, flagged as lumped, with a note, unless the catalog pins the codes of that revision.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml
from pydantic import ValidationError

from supplywatch.catalog import yaml_lists
from supplywatch.errors import DataError
from supplywatch.items.models import Material, PublishedList

DATA_DIR = Path(__file__).resolve().parent / "data"
MATERIALS_FILE = DATA_DIR / "materials.yaml"
LISTS_FILE = DATA_DIR / "lists.yaml"
REVISIONS = ("H6", "H5", "H4", "H3", "H2", "H1", "H0")


@dataclass(frozen=True)
class ProductLink:
    """One material <-> HS6 link in one revision."""

    material_id: str
    hs_revision_code: str
    product_id_hs6: str
    stage_code: str
    form_text: str
    is_lumped: bool
    lumped_with_text: str | None
    note_text: str | None


def load_materials(path: Path = MATERIALS_FILE) -> list[Material]:
    """Parse and validate materials.yaml; errors name the file, line and field. Parsed once
    per version of the file (its modification time and size): an edit is picked up."""
    st = path.stat()
    return list(_load_materials(path, st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=4)
def _load_materials(path: Path, _mtime_ns: int, _size: int) -> tuple[Material, ...]:
    entries = yaml_lists.read_list(path, "materials")
    lines = [line for _item, line in entries]
    out: list[Material] = []
    seen: dict[str, int] = {}
    for item, line in entries:
        m = yaml_lists.validate(Material, item, path, line)
        if m.material_id in seen:
            raise DataError(
                str(path),
                f"duplicated material_id (first at line {seen[m.material_id]})",
                row=line,
                column="material_id",
                value=m.material_id,
            )
        seen[m.material_id] = line or 0
        out.append(m)
    ids = set(seen)
    for i, m in enumerate(out):
        for h in m.hs2022:
            for other in h.lumped_with:
                if other not in ids:
                    raise DataError(
                        str(path),
                        "lumped_with names an unknown material",
                        row=lines[i] if i < len(lines) else None,
                        column="hs2022.lumped_with",
                        value=other,
                    )
    return tuple(out)


def load_lists(path: Path = LISTS_FILE) -> dict[str, PublishedList]:
    """Parse lists.yaml (published critical-material lists)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return {k: PublishedList.model_validate(v) for k, v in raw.items()}
    except (yaml.YAMLError, ValidationError, AttributeError) as exc:
        raise DataError(str(path), f"invalid list file: {exc}") from exc


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _names(m: Material) -> list[str]:
    """Every name a user may type for ``m``: id, symbol, names in four languages, aliases."""
    return [
        m.material_id.replace("_", " "),
        m.material_id,
        m.symbol or "",
        m.names.en,
        m.names.ko,
        m.names.ja,
        m.names.zh,
        *m.aliases,
    ]


def search(materials: list[Material], query: str) -> list[Material]:
    """Materials whose id, symbol, names (EN/KO/JA/ZH), aliases or HS codes contain ``query``."""
    q = _fold(query.strip()).replace(".", "")
    if not q:
        return list(materials)
    hits = []
    for m in materials:
        hay = [*_names(m), *(h.code for h in m.hs2022)]
        if any(q in _fold(h) for h in hay):
            hits.append(m)
    return hits


def _spelling(text: str) -> str:
    """A form for comparing spellings: case-folded, Hangul split into its letters (jamo),
    traditional/full-width forms folded by NFKC."""
    return unicodedata.normalize("NFD", _fold(text)).replace("_", " ").strip()


def resolve(materials: list[Material], query: str) -> Material | None:
    """The material ``query`` names exactly (id, symbol or a name or alias in any of the four
    languages, case and width folded), or None."""
    q = _fold(query.strip())
    for m in materials:
        if any(q == _fold(n) for n in _names(m) if n):
            return m
    return None


def suggest(materials: list[Material], query: str, n: int = 5) -> list[Material]:
    """The materials whose names are spelled nearest to ``query`` (any language), best first;
    substring matches first."""
    import difflib

    q = _spelling(query)
    if not q:
        return []
    scored: list[tuple[float, int, Material]] = []
    for i, m in enumerate(materials):
        forms = [_spelling(x) for x in _names(m) if x]
        best = max(difflib.SequenceMatcher(None, q, f).ratio() for f in forms)
        if any(q in f for f in forms):
            best = max(best, 0.9)
        scored.append((best, -i, m))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [m for s, _i, m in scored[:n] if s >= 0.6]


def _words(text: str) -> str:
    """``text`` as space-separated words, padded, for whole-word matching."""
    import re

    return " " + " ".join(re.findall(r"\w+", _fold(text))) + " "


def named_in(materials: list[Material], text: str) -> list[str]:
    """Materials a free text names (an event's commodity): a name or alias in any language,
    or a group ("rare earths", "platinum group metals"), as whole words."""
    hay = _words(text)
    out = []
    for m in materials:
        names = [n for n in _names(m)[3:] if n and len(n) >= 3] + [m.material_id]
        phrases = [_words(n) for n in names] + [f" {g} " for g in _GROUP_WORDS.get(m.group, ())]
        if any(p.strip() and p in hay for p in phrases):
            out.append(m.material_id)
    return out


#: Names of catalog groups as they appear in texts.
_GROUP_WORDS: dict[str, tuple[str, ...]] = {
    "rare_earth_light": (
        "rare earths",
        "rare earth",
        "rare earth elements",
        "ree",
        "稀土",
        "희토류",
        "レアアース",
    ),
    "rare_earth_heavy": (
        "rare earths",
        "rare earth",
        "rare earth elements",
        "ree",
        "稀土",
        "희토류",
        "レアアース",
    ),
    "precious_metal": ("platinum group metals", "pgm", "pgms"),
}


def derive_links(
    con: duckdb.DuckDBPyConnection, materials: list[Material], path: Path = MATERIALS_FILE
) -> list[ProductLink]:
    """Links for every revision, derived with core_hs__concordance (see module doc)."""
    valid: dict[str, set[str]] = defaultdict(set)
    for rev, code in con.execute(
        "SELECT hs_revision_code, product_id_hs6 FROM core_hs__products"
    ).fetchall():
        valid[str(rev)].add(str(code))
    if not valid:
        raise DataError(
            "core_hs__products",
            "the HS source is not loaded; run `supplywatch ingest --source hs` first",
        )
    back: dict[tuple[str, str], list[str]] = defaultdict(list)  # (to_rev, to_code) -> from codes
    forward: dict[tuple[str, str], set[str]] = defaultdict(set)  # (from_rev, code) -> to codes
    for frev, fcode, trev, tcode in con.execute(
        "SELECT from_revision_code, from_product_id_hs6, to_revision_code, to_product_id_hs6 "
        "FROM core_hs__concordance"
    ).fetchall():
        back[(str(trev), str(tcode))].append(str(fcode))
        forward[(str(frev), str(fcode))].add(str(tcode))
    links: list[ProductLink] = []
    for m in materials:
        for h in m.hs2022:
            if h.code not in valid["H6"]:
                raise DataError(
                    str(path),
                    "not an HS2022 6-digit subheading",
                    column=f"{m.material_id}.hs2022.code",
                    value=h.code,
                )
        links.extend(_derive_one(m, back, forward, valid, path))
    return _mark_shared(links)


def _mark_shared(links: list[ProductLink]) -> list[ProductLink]:
    """A code linked to several catalog materials in a revision is lumped, naming the others."""
    sharing: dict[tuple[str, str], set[str]] = defaultdict(set)
    for lk in links:
        sharing[(lk.hs_revision_code, lk.product_id_hs6)].add(lk.material_id)
    out = []
    for lk in links:
        others = sorted(sharing[(lk.hs_revision_code, lk.product_id_hs6)] - {lk.material_id})
        out.append(
            ProductLink(
                lk.material_id,
                lk.hs_revision_code,
                lk.product_id_hs6,
                lk.stage_code,
                lk.form_text,
                lk.is_lumped or bool(others),
                ";".join(others) or None,
                lk.note_text,
            )
        )
    return out


def _derive_one(
    m: Material,
    back: dict[tuple[str, str], list[str]],
    forward: dict[tuple[str, str], set[str]],
    valid: dict[str, set[str]],
    path: Path,
) -> list[ProductLink]:
    out: list[ProductLink] = []
    for h in m.hs2022:
        lumped_text = ";".join(h.lumped_with) or None
        current = {h.code: (bool(h.lumped_with), h.note)}
        for i, rev in enumerate(REVISIONS):
            if i > 0:
                older = REVISIONS[i]
                newer = REVISIONS[i - 1]
                nxt: dict[str, tuple[bool, str | None]] = {}
                for code, (lumped, note) in current.items():
                    sources = back.get((newer, code), [])
                    for src in sources:
                        wider = forward.get((older, src), set()) - set(current)
                        merged = len(sources) > 1
                        why = []
                        if merged:
                            why.append(
                                f"{newer} {code} merged {older} {', '.join(sorted(sources))}; "
                                "the material is in one of them"
                            )
                        if wider:
                            why.append(f"{older} {src} also became {', '.join(sorted(wider))}")
                        prev = nxt.get(src)
                        text = "; ".join(w for w in [note, *why] if w) or None
                        nxt[src] = (lumped or merged or bool(wider) or (prev or (False,))[0], text)
                current = nxt
            pinned = h.pinned.get(rev)  # type: ignore[call-overload]
            if pinned is not None:
                for code in pinned:
                    if code not in valid[rev]:
                        raise DataError(
                            str(path),
                            f"not an {rev} 6-digit subheading",
                            column=f"{m.material_id}.hs2022.pinned.{rev}",
                            value=code,
                        )
                current = dict.fromkeys(pinned, (False, f"{rev} code pinned in the catalog"))
            for code, (lumped, note) in sorted(current.items()):
                out.append(
                    ProductLink(
                        m.material_id, rev, code, h.stage, h.form, lumped, lumped_text, note
                    )
                )
    # one row per (material, revision, code): several HS2022 entries may meet in an old code
    dedup: dict[tuple[str, str, str], ProductLink] = {}
    for link in out:
        key = (link.material_id, link.hs_revision_code, link.product_id_hs6)
        if key in dedup:
            seen = dedup[key]
            link = ProductLink(
                *key,
                seen.stage_code,
                seen.form_text,
                seen.is_lumped or link.is_lumped,
                seen.lumped_with_text,
                seen.note_text or link.note_text,
            )
        dedup[key] = link
    return list(dedup.values())


def material_rows(materials: list[Material]) -> list[tuple[Any, ...]]:
    """Rows of core_supplywatch__materials."""
    return [
        (
            m.material_id,
            m.symbol,
            m.group,
            m.names.en,
            m.names.ko,
            m.names.ja,
            m.names.zh,
            ";".join(m.stages),
            ";".join(m.end_uses) or None,
            m.wmd_commodity,
            m.eol_rir.value,
            m.notes,
        )
        for m in materials
    ]


def list_rows(materials: list[Material]) -> list[tuple[Any, ...]]:
    """Rows of core_supplywatch__material_lists."""
    return [
        (m.material_id, list_id, c.status, c.source, c.note)
        for m in materials
        for list_id, c in m.lists.items()
    ]
