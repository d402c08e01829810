"""Importers the system watches, and who owns each: the one declaration of that vocabulary.

An importer is a country (any ISO3 code) or the KR+JP bloc. Three of them are watched by the
shared service and built into the out layer at every ingest (``SERVICE_IMPORTERS``); each
belongs to an organisation (KR, JP, JOINT), which sees its alerts and enters its stocks. The
planner's two sides are the two national importers. Every other module takes these names from
here; the dashboard reads them from the API (``GET /api/v1/meta``).
"""

from __future__ import annotations

from dataclasses import dataclass

from supplywatch.catalog.countries import encode_iso3
from supplywatch.errors import UnknownCodeError

BLOC_ID = "BLOC"
BLOC_MEMBERS = ("KOR", "JPN")


@dataclass(frozen=True)
class Importer:
    importer_id: str
    org: str
    members: tuple[str, ...]
    name_en: str
    name_ko: str
    name_ja: str

    @property
    def is_bloc(self) -> bool:
        return len(self.members) > 1


KOR = Importer("KOR", "KR", ("KOR",), "Korea", "한국", "韓国")
JPN = Importer("JPN", "JP", ("JPN",), "Japan", "일본", "日本")
BLOC = Importer(BLOC_ID, "JOINT", BLOC_MEMBERS, "KR+JP bloc", "한일 블록", "日韓ブロック")

#: Watched by the service, built into the out layer at every ingest, in this order.
SERVICE_IMPORTERS: tuple[Importer, ...] = (KOR, JPN, BLOC)
SERVICE_IMPORTER_IDS: tuple[str, ...] = tuple(i.importer_id for i in SERVICE_IMPORTERS)
BY_ID: dict[str, Importer] = {i.importer_id: i for i in SERVICE_IMPORTERS}

#: Organisations: each owns one importer.
ORGS: tuple[str, ...] = tuple(i.org for i in SERVICE_IMPORTERS)
ORG_IMPORTER: dict[str, str] = {i.org: i.importer_id for i in SERVICE_IMPORTERS}
IMPORTER_ORG: dict[str, str] = {i.importer_id: i.org for i in SERVICE_IMPORTERS}
JOINT_ORG = BLOC.org
#: The national organisations (the bloc's members' owners).
NATIONAL_ORGS: tuple[str, ...] = tuple(IMPORTER_ORG[m] for m in BLOC_MEMBERS)

#: Importers whose alerts an organisation sees and acts on: its own and the bloc's.
ALERT_SCOPE: dict[str, frozenset[str]] = {
    i.org: frozenset({i.importer_id, BLOC_ID}) for i in SERVICE_IMPORTERS
}

#: The planner's sides (national stock holders), in the order of its arrays.
PLAN_SIDES: tuple[str, ...] = NATIONAL_ORGS
SIDE_IMPORTER: tuple[str, ...] = BLOC_MEMBERS


def members_of(importer_id: str) -> tuple[str, ...]:
    """The countries whose imports make up ``importer_id``."""
    return BLOC_MEMBERS if importer_id == BLOC_ID else (importer_id,)


#: Codes the sources use for groups of countries: never an importer of their own.
AGGREGATE_CODES = frozenset({"WLD", "R20", "ZA1", "PUS"})


def encode_importer(code: str) -> str:
    """A valid importer id (BLOC or an ISO3 code), upper-cased; else UnknownCodeError."""
    key = code.strip().upper()
    if key == BLOC_ID:
        return key
    if key in AGGREGATE_CODES:
        raise UnknownCodeError(
            f"{code!r} is an aggregate of countries, not an importer: choose BLOC (KR+JP) or "
            "an ISO 3166-1 alpha-3 country code"
        )
    try:
        return encode_iso3(key)
    except UnknownCodeError as exc:
        raise UnknownCodeError(
            f"unknown importer {code!r}: BLOC (KR+JP) or an ISO 3166-1 alpha-3 country code"
        ) from exc


def as_dict() -> dict[str, object]:
    """The vocabulary as the API serves it to the dashboard."""
    return {
        "importers": [
            {
                "importer_id": i.importer_id,
                "org": i.org,
                "members": list(i.members),
                "names": {"en": i.name_en, "ko": i.name_ko, "ja": i.name_ja},
            }
            for i in SERVICE_IMPORTERS
        ],
        "bloc_id": BLOC_ID,
        "alert_scope": {
            org: [i for i in SERVICE_IMPORTER_IDS if i in scope]
            for org, scope in ALERT_SCOPE.items()
        },
        "org_importer": ORG_IMPORTER,
        "plan_sides": list(PLAN_SIDES),
    }
