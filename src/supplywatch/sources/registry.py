"""The sources the ingest knows, in dependency order."""

from __future__ import annotations

from supplywatch.errors import ConfigError
from supplywatch.sources import baci, hs, pinksheet, wgi, wmd
from supplywatch.sources.base import SourceSpec

SOURCES: dict[str, SourceSpec] = {
    s.name: s for s in (hs.SPEC, baci.SPEC, wmd.SPEC, wgi.SPEC, pinksheet.SPEC)
}


def get_source(name: str) -> SourceSpec:
    """The source called ``name``; ConfigError lists the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(f"unknown source {name!r}; known: {', '.join(SOURCES)}, items") from None
