"""Connectors to the official notice sources (see ``base.py`` for the shared contract)."""

from __future__ import annotations

import importlib
from types import ModuleType

#: Connector name -> module (``supplywatch.notices.connectors.<module>``).
CONNECTORS = {
    "mofcom": "mofcom",
    "mofcom_ec": "mofcom_ec",
    "mofcom_www": "mofcom_www",
    "gacc": "gacc",
    "meti": "meti",
    "motie": "motie",
    "kcs_notices": "kcs_notices",
    "federal_register": "federal_register",
    "eu_oj": "eu_oj",
}


def connector(name: str) -> ModuleType:
    """The connector module of ``name`` (ConfigError naming the known ones otherwise)."""
    from supplywatch.errors import ConfigError

    if name not in CONNECTORS:
        raise ConfigError(f"unknown notice source {name!r}; known: {', '.join(CONNECTORS)}")
    return importlib.import_module(f"supplywatch.notices.connectors.{CONNECTORS[name]}")
