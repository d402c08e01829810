"""The shared service's facade: what the API and the dashboard call.

It wraps ``services.Services`` (the analysis layer, also used by the CLI) with what several
users of two countries need: sign-in, tenancy (``access.py``), the alert workflow, stocks and
days of cover, webhooks and scheduled re-evaluation. Every method that reads or changes state
takes the acting ``Principal`` and enforces the access rules itself; routes stay thin.
"""

from __future__ import annotations

from supplywatch.access import AccessDenied, NotAuthenticated
from supplywatch.errors import ConfigError
from supplywatch.workspace.auth import AuthMixin
from supplywatch.workspace.base import (
    SERVICE_IMPORTERS,
    Conflict,
    InputError,
    NotFound,
    Page,
    RateLimited,
)
from supplywatch.workspace.briefings import BriefingsMixin, ExportsMixin
from supplywatch.workspace.notices import NoticesMixin
from supplywatch.workspace.plans import PlansMixin
from supplywatch.workspace.risk import RiskMixin


class Workspace(AuthMixin, RiskMixin, NoticesMixin, PlansMixin, BriefingsMixin, ExportsMixin):
    """Multi-user facade over the analysis services and the state database."""


__all__ = [
    "SERVICE_IMPORTERS",
    "AccessDenied",
    "ConfigError",
    "Conflict",
    "InputError",
    "NotAuthenticated",
    "NotFound",
    "Page",
    "RateLimited",
    "Workspace",
]
