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
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

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


def csrf_for(cookie: str) -> str:
    """The CSRF token of a session: derived from its cookie (which scripts cannot read), so
    it is never stored; the database holds only its hash."""
    return hashlib.sha256(b"supplywatch-csrf|" + cookie.encode()).hexdigest()


def destination_problem(url: str, allow_hosts: list[str]) -> str | None:
    """Why a webhook may not be sent to ``url`` (None: it may): not http(s), no host, or a
    host resolving to a loopback, private, link-local, unspecified, multicast or reserved
    address (the service itself, its network, cloud metadata), unless the host is in
    ``allow_hosts``. Checked when the webhook is created and again before each delivery
    (the name may resolve elsewhere by then)."""
    import ipaddress
    import socket
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in {"http", "https"}:
        return "http(s) URL expected"
    if not host:
        return "the URL has no host"
    if parts.username or parts.password:
        return "credentials in the URL are not allowed"
    if host in allow_hosts:
        return None
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        return "the host does not resolve"
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if (
            ip.is_loopback
            or ip.is_private
            or ip.is_link_local
            or ip.is_unspecified
            or ip.is_multicast
            or ip.is_reserved
        ):
            return "the host resolves to a loopback, private or link-local address"
    return None


class SecretBox:
    """Encrypts secrets that must be used again (webhook signing keys) with a key kept in a
    0600 file beside the state (Fernet: AES-128-CBC + HMAC-SHA256)."""

    PREFIX = "fernet:"

    def __init__(self, key_file: Path) -> None:
        from cryptography.fernet import Fernet

        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
        self._f = Fernet(key_file.read_bytes().strip())

    def seal(self, secret: str) -> str:
        return self.PREFIX + self._f.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret; a value stored before encryption (no prefix) is returned as is."""
        if not stored.startswith(self.PREFIX):
            return stored
        return self._f.decrypt(stored[len(self.PREFIX) :].encode()).decode()


def sign_payload(secret: str, timestamp: str, body: bytes) -> str:
    """Webhook signature: HMAC-SHA256 over ``timestamp.body`` (hex), sent as sha256=..."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
