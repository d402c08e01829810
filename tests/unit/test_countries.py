from __future__ import annotations

import pytest

from supplywatch.catalog.countries import countries, encode_iso3
from supplywatch.errors import UnknownCodeError


@pytest.mark.parametrize(
    ("code", "expected"),
    [("kor", "KOR"), (" JPN ", "JPN"), ("S19", "S19"), ("XKX", "XKX"), ("WLD", "WLD")],
)
def test_known_codes(code: str, expected: str) -> None:
    assert encode_iso3(code) == expected


@pytest.mark.parametrize("code", ["XYZ", "KR", "", "DELETE"])
def test_unknown_code_is_an_error(code: str) -> None:
    with pytest.raises(UnknownCodeError, match="unknown country code"):
        encode_iso3(code)


def test_registry_contents() -> None:
    c = countries()
    assert c["KOR"].m49 == 410 and c["KOR"].is_iso3166
    assert c["S19"].m49 == 490 and not c["S19"].is_iso3166
    assert len([x for x in c.values() if x.is_iso3166]) == 249
