"""Who may see and do what: organisations KR, JP and JOINT; roles viewer < analyst < admin.

One table of rules, enforced in the service layer (workspace.py), never in the routes:

- Risk-engine outputs from public data (items, indicators, screen, explain, back-test) are
  visible to every signed-in user.
- Alerts of an importer are visible to the organisations that own it: KOR -> KR, JPN -> JP,
  BLOC -> KR, JP and JOINT (a national alert's level can reflect national stocks).
- Stock and consumption entries are confidential to the organisation that entered them; the
  other side sees only aggregates (bloc days of cover). JOINT's entries (the joint pool) are
  visible to all three.
- Analysts and admins act (acknowledge, resolve, enter stocks) within their own organisation's
  scope; admins also manage users, targets and webhooks of their organisation (JOINT admins:
  users of every organisation).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from supplywatch.catalog.importers import ALERT_SCOPE, IMPORTER_ORG, ORG_IMPORTER, ORGS

ROLES = ("viewer", "analyst", "admin")
_RANK = {r: i for i, r in enumerate(ROLES)}
__all__ = ["ALERT_SCOPE", "IMPORTER_ORG", "ORGS", "ORG_IMPORTER", "ROLES"]


class AccessDenied(Exception):  # noqa: N818 - the name reads as the HTTP meaning (403)
    """The principal may not do this (HTTP 403)."""


class NotAuthenticated(Exception):  # noqa: N818
    """No valid credentials (HTTP 401)."""


@dataclass(frozen=True)
class Principal:
    """The signed-in user a request acts for."""

    user_id: int
    username: str
    org: str
    role: str

    def at_least(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def require(self, role: str) -> None:
        if not self.at_least(role):
            raise AccessDenied(f"{self.role} may not do this; needs {role}")

    def can_see_alerts_of(self, importer: str) -> bool:
        return importer in ALERT_SCOPE[self.org]

    def can_see_stock_of(self, org: str) -> bool:
        return org == self.org or org == "JOINT"


def audit_orgs(org: str) -> frozenset[str]:
    """The organisations whose audit entries an admin of ``org`` sees: those owning the
    importers whose alerts it sees (KR: KR and the bloc's JOINT; JOINT: JOINT only)."""
    return frozenset(IMPORTER_ORG[i] for i in ALERT_SCOPE[org])


# --- secrets ------------------------------------------------------------------------------------
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """scrypt with a random salt: ``scrypt$n$r$p$salt_hex$hash_hex``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    got = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(got.hex(), digest)


def new_token(prefix: str = "sw_") -> str:
    return prefix + secrets.token_urlsafe(32)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def sign_payload(secret: str, timestamp: str, body: bytes) -> str:
    """Webhook signature: HMAC-SHA256 over ``timestamp.body`` (hex), sent as sha256=..."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
