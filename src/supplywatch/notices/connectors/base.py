"""What every notice connector shares: the notice it yields, the snapshot it writes, and the
rules for parsing recorded responses.

A notice connector is a module with:

- ``SOURCE`` (``[a-z0-9_]+``), ``PRODUCER``, ``LICENCE``, ``ATTRIBUTION``, ``LIST_URL``;
- ``build_requests(**query) -> list[Request]``: the requests of one fetch (list pages, API
  queries), checked before anything is sent (a bad argument is a ConfigError);
- ``fetch(client: HttpClient, snapshot_dir: Path, now: datetime, **query) -> Path``: sends
  the requests (and the detail pages they list, when the list holds no text), and writes the
  raw responses unchanged as one snapshot with provenance (``sources.snapshots``);
- ``parse(snapshot: Path) -> list[NoticeDoc]``: the notices of a snapshot, read only from its
  files (never the network); a malformed response is a DataError naming the file, the row (the
  entry's position in it) and the field.

Connectors are never called in tests: tests parse recorded responses in the real format
(``tests/data/notices/recorded/<source>/``). ``queue`` turns parsed notices into candidates of
the service's review queue (``workspace.notices``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

#: Languages a source states for its pages (ISO 639-1; zh: Chinese as published).
LANGUAGES = ("zh", "ja", "ko", "en", "id", "fr", "de")


@dataclass(frozen=True)
class Request:
    """One GET of a fetch: URL, parameters and the snapshot file its body is kept in."""

    url: str
    params: dict[str, str] = field(default_factory=dict)
    file_name: str = "response"


@dataclass(frozen=True)
class NoticeDoc:
    """One notice as a source lists or serves it."""

    source: str  # connector SOURCE
    doc_id: str  # stable id within the source (document number, article id, URL path)
    url: str  # the official page of the notice
    title: str | None
    published: date | None  # as the source dates it (None: not stated)
    language: str | None  # as the source states it (see LANGUAGES)
    text: str | None  # the body text when the response holds it, else None
    file_name: str  # the snapshot file it was read from
    row: int  # its position in that file (1-based)
    agency: str | None = None  # issuing body as the source names it
    kind: str | None = None  # the source's own type (e.g. Rule, Notice, 公告, 報道発表)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["published"] = None if self.published is None else self.published.isoformat()
        return d
