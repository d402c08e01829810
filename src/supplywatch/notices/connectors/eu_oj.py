"""EU Official Journal: legal acts whose title concerns materials (export restrictions,
critical raw materials), from the Publications Office's CELLAR SPARQL endpoint.

``GET https://publications.europa.eu/webapi/rdf/sparql`` with ``query`` (SPARQL) and
``format=application/sparql-results+json``. The response is a W3C SPARQL 1.1 JSON result::

    {"head": {"vars": ["celex", "date", "title"]},
     "results": {"bindings": [{"celex": {"type": "literal", "value": "32024R1252"},
                               "date": {"type": "literal", "datatype": "...#date",
                                        "value": "2024-05-03"},
                               "title": {"type": "literal", "xml:lang": "en", "value": "..."}}]}}

Each act links to its EUR-Lex page (``/legal-content/EN/TXT/?uri=CELEX:<celex>``); the text
of a notice here is its title (the extractor decides whether the act needs reading).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from supplywatch.errors import ConfigError, DataError
from supplywatch.notices.connectors.base import NoticeDoc, Request
from supplywatch.sources.http import HttpClient
from supplywatch.sources.snapshots import read_snapshot, write_snapshot

SOURCE = "eu_oj"
LIST_URL = "https://publications.europa.eu/webapi/rdf/sparql"
PRODUCER = "Publications Office of the European Union (CELLAR)"
LICENCE = "Commission Decision 2011/833/EU (reuse of EU documents; EUR-Lex legal notice)"
ATTRIBUTION = "© European Union, https://eur-lex.europa.eu"
EURLEX = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:{celex}"
_WORD = re.compile(r"[A-Za-z][A-Za-z -]{1,40}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CELEX = re.compile(r"[0-9][0-9A-Z()]{5,30}")

_QUERY = """PREFIX cdm: <http://publications.europa.eu/ontology/cdm#>
PREFIX lang: <http://publications.europa.eu/resource/authority/language/>
SELECT DISTINCT ?celex ?date ?title WHERE {{
  ?work cdm:resource_legal_id_celex ?celex ; cdm:work_date_document ?date .
  ?expr cdm:expression_belongs_to_work ?work ; cdm:expression_title ?title ;
        cdm:expression_uses_language lang:ENG .
  FILTER(?date >= "{since}"^^<http://www.w3.org/2001/XMLSchema#date>)
  FILTER(CONTAINS(LCASE(STR(?title)), "{term}"))
}} ORDER BY DESC(?date) LIMIT {limit}"""


def build_requests(
    *, term: str = "raw materials", since: str = "2023-01-01", limit: str | int = 200
) -> list[Request]:
    if not _WORD.fullmatch(term):
        raise ConfigError(f"term {term!r}: letters, spaces and hyphens only (2-41)")
    if not _DAY.fullmatch(since):
        raise ConfigError(f"since {since!r}: expected YYYY-MM-DD")
    try:
        date.fromisoformat(since)
        n = int(limit)
    except ValueError as exc:
        raise ConfigError(f"since/limit: {exc}") from None
    if not 1 <= n <= 1000:
        raise ConfigError(f"limit {n}: must be between 1 and 1000")
    q = _QUERY.format(since=since, term=term.lower(), limit=n)
    return [
        Request(LIST_URL, {"query": q, "format": "application/sparql-results+json"}, "acts.json")
    ]


def fetch(client: HttpClient, snapshot_dir: Path, now: datetime, **query: Any) -> Path:
    req = build_requests(**query)[0]
    body = client.get(req.url, params=req.params).content
    n = len(_bindings(body, req.file_name))
    return write_snapshot(
        snapshot_dir,
        SOURCE,
        {req.file_name: body},
        producer=PRODUCER,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        url=LIST_URL,
        vintage=f"CELLAR SPARQL, fetched {now:%Y-%m-%dT%H:%MZ}",
        vintage_date=now.date(),
        query={"request": {"url": req.url, "params": req.params}},
        rows={req.file_name: n},
        note="Raw SPARQL JSON result, unchanged.",
        now=now,
    )


def _bindings(body: bytes, name: str) -> list[Any]:
    try:
        data = json.loads(body)
        rows = data["results"]["bindings"]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(name, f"not JSON: {exc}") from None
    except (KeyError, TypeError):
        raise DataError(name, "not a SPARQL JSON result", column="results.bindings") from None
    if not isinstance(rows, list):
        raise DataError(name, "expected a list", column="results.bindings")
    return rows


def _value(b: dict[str, Any], key: str, name: str, row: int) -> str:
    v = b.get(key)
    if not isinstance(v, dict) or not isinstance(v.get("value"), str) or not v["value"]:
        raise DataError(name, "missing", row=row, column=key)
    return str(v["value"])


def parse_result(body: bytes, name: str) -> list[NoticeDoc]:
    out: list[NoticeDoc] = []
    seen: set[str] = set()
    for i, b in enumerate(_bindings(body, name), start=1):
        if not isinstance(b, dict):
            raise DataError(name, "expected an object", row=i, column="results.bindings")
        celex = _value(b, "celex", name, i)
        if not _CELEX.fullmatch(celex):
            raise DataError(name, "not a CELEX number", row=i, column="celex", value=celex[:40])
        day = _value(b, "date", name, i)
        try:
            published = date.fromisoformat(day[:10])
        except ValueError:
            raise DataError(name, "not a date", row=i, column="date", value=day[:40]) from None
        if celex in seen:
            continue
        seen.add(celex)
        title = " ".join(_value(b, "title", name, i).split())
        out.append(
            NoticeDoc(
                source=SOURCE,
                doc_id=celex,
                url=EURLEX.format(celex=celex),
                title=title,
                published=published,
                language="en",
                text=title,
                file_name=name,
                row=i,
                agency="European Union",
                kind={"R": "Regulation", "D": "Decision", "L": "Directive"}.get(celex[5:6]),
            )
        )
    return out


def parse(snapshot: Path) -> list[NoticeDoc]:
    prov, _query = read_snapshot(snapshot)
    out: list[NoticeDoc] = []
    for f in prov.files:
        out += parse_result((Path(snapshot) / f.name).read_bytes(), f.name)
    return out
