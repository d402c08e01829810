"""Country code list: ISO 3166-1 from pycountry, plus the statistical codes our sources use.

An unknown code is an error; it never becomes NULL. Non-ISO codes are declared here, each
with the source that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry

from supplywatch.errors import UnknownCodeError


@dataclass(frozen=True)
class Country:
    iso3: str
    name: str
    iso2: str | None
    m49: int | None
    is_iso3166: bool


# Codes that are not (or no longer) in ISO 3166-1 but appear in the bundled sources.
NON_ISO: tuple[Country, ...] = (
    # UN trade statistics report Taiwan's trade as "Other Asia, not elsewhere specified".
    Country(
        "S19",
        "Taiwan (reported as Other Asia, not elsewhere specified; UN/BACI code 490)",
        None,
        490,
        False,
    ),
    Country("R20", "Europe EFTA, not elsewhere specified (UN/BACI code 697)", None, 697, False),
    Country("XKX", "Kosovo (World Bank code)", None, None, False),
    Country(
        "WLD", "World (all partners; an aggregate, never added to bilateral rows)", None, 0, False
    ),
    Country("CHI", "Channel Islands (World Bank code)", None, None, False),
    Country("ANT", "Netherlands Antilles (former ISO 3166-1 code, WGI)", "AN", 530, False),
    Country("PUS", "US Miscellaneous Pacific Islands (UN/BACI code 849)", "PU", 849, False),
    Country("ZA1", "Southern African Customs Union (...1999) (UN/BACI code 711)", None, 711, False),
    # Former ISO 3166-1 codes of states that no longer exist (BACI lists them for old years).
    Country("CSK", "Czechoslovakia (...1992)", "CS", 200, False),
    Country("DDR", "German Democratic Republic (...1990)", "DD", 278, False),
    Country("SUN", "USSR (...1990)", "SU", 810, False),
    Country("SCG", "Serbia and Montenegro (...2005)", "CS", 891, False),
)

#: The KR+JP bloc, used as an importer by the indicators. Not a country code.
BLOC_ID = "BLOC"
BLOC_MEMBERS = ("KOR", "JPN")


@cache
def countries() -> dict[str, Country]:
    """All known country codes, keyed by ISO3."""
    out: dict[str, Country] = {}
    for c in pycountry.countries:
        out[c.alpha_3] = Country(
            iso3=c.alpha_3,
            name=getattr(c, "common_name", None) or c.name,
            iso2=c.alpha_2,
            m49=int(c.numeric),
            is_iso3166=True,
        )
    for extra in NON_ISO:
        out[extra.iso3] = extra
    return out


#: How a code is shown to people where its list name would mislead or say nothing.
_DISPLAY = {"S19": "Taiwan"}


def country_name(code: str | None) -> str | None:
    """The name to show for a country code (Taiwan, not S19); the code itself if unknown."""
    if code is None:
        return None
    c = countries().get(code)
    return _DISPLAY.get(code) or (c.name if c else code)


def encode_iso3(code: str) -> str:
    """Validate an ISO3 code (case-insensitive); raise UnknownCodeError if unknown."""
    key = code.strip().upper()
    if key not in countries():
        raise UnknownCodeError(f"unknown country code {code!r} (expected ISO 3166-1 alpha-3)")
    return key
