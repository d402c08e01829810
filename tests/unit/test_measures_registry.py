"""The supply-measures registry's validation: a clear error naming the file, the measure's
line and the field for every kind of bad entry; the rows of a good one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from tests.conftest import ROOT

from supplywatch.errors import DataError
from supplywatch.sources import measures as reg

HS = reg.hs_reference(ROOT / "data" / "bundle" / "hs" / "comtrade_hs_products_H0_H6.csv")
MATERIALS = {"gallium", "germanium", "antimony", "natural_graphite"}

#: From MOFCOM/GACC Announcement 2023 No. 23 (an official PRC text; codes as printed).
GOOD = [
    {
        "measure_id": "CN-MOFCOM-GACC-2023-23",
        "imposer": "CHN",
        "issuers": ["MOFCOM", "GACC"],
        "legal_reference": "MOFCOM/GACC Announcement 2023 No. 23",
        "published": "2023-07-03",
        "targets": ["ALL"],
        "source_url": "http://exportcontrol.mofcom.gov.cn/article/zcfg/gnzcfg/zcfggzqd/202307/",
        "source_kind": "official",
        "clauses": [
            {
                "clause_id": "1(1)",
                "measure_type": "export_licence",
                "effective": "2023-08-01",
                "materials": ["gallium"],
                "codes": [
                    {"code": "8112929010"},
                    {"code": "382569005", "typo": True, "note": "9 digits as printed"},
                ],
            }
        ],
    },
    {
        "measure_id": "CN-SUSPEND-X",
        "imposer": "CHN",
        "published": "2025-11-07",
        "targets": ["USA"],
        "source_url": "http://www.mofcom.gov.cn/x",
        "source_kind": "official",
        "links": [{"measure_id": "CN-MOFCOM-GACC-2023-23", "relation": "suspends"}],
        "clauses": [{"clause_id": "1", "measure_type": "suspension", "materials": ["gallium"]}],
    },
]


def _write(tmp_path: Path, measures: list[dict[str, object]]) -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(measures, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_good_registry_gives_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    r = reg.load_registry([path], MATERIALS, HS)
    rows = reg.rows(r)
    assert [m[0] for m in rows["measures"]] == ["CN-MOFCOM-GACC-2023-23", "CN-SUSPEND-X"]
    assert rows["clauses"][0][:6] == (
        "CN-MOFCOM-GACC-2023-23",
        "1(1)",
        None,
        "export_licence",
        "control",
        date(2023, 8, 1),
    )
    assert rows["clauses"][1][4] == "relaxation"
    codes = {c[2]: c for c in rows["clause_codes"]}
    assert codes["8112929010"][3:6] == (False, "H6", "811292")
    assert codes["382569005"][3:6] == (True, "H6", None)  # the typo is kept, flagged, unmapped
    assert rows["links"] == [
        ("CN-SUSPEND-X", "CN-MOFCOM-GACC-2023-23", "suspends", date(2025, 11, 7))
    ]
    assert rows["status_events"] == []  # an undated link changes no status
    assert reg.hs_revision_on(date(2010, 7, 8)) == "H3"
    assert reg.hs_revision_on(date(1995, 1, 1)) == "H0"


def _bad(edit: object) -> list[dict[str, object]]:
    import copy

    data = copy.deepcopy(GOOD)
    edit(data)  # type: ignore[operator]
    return data


@pytest.mark.parametrize(
    ("edit", "column", "message"),
    [
        (
            lambda d: d[0]["clauses"][0].update(materials=["unobtainium"]),
            "clauses.1(1).materials",
            "unknown material",
        ),
        (
            lambda d: d[0]["clauses"][0]["codes"].append({"code": "7777777777"}),
            "clauses.1(1).codes",
            "HS6 777777",
        ),
        (
            lambda d: d[0]["clauses"][0]["codes"].append({"code": "81129"}),
            "clauses.1(1).codes",
            "not a 6-, 8- or 10-digit",
        ),
        (
            lambda d: d[0]["clauses"][0].update(effective="2023-06-01"),
            "clauses.1(1).effective",
            "before publication",
        ),
        (lambda d: d[0].update(imposer="XYZ"), "imposer", "unknown country code"),
        (
            lambda d: d[1]["links"][0].update(measure_id="CN-NOPE"),
            "links.0.measure_id",
            "unknown measure",
        ),
        (
            lambda d: d[0].update(
                status=[{"status": "suspended", "from": "2025-11-10", "to": "2025-01-01"}]
            ),
            "status.0.to",
            "before its own start",
        ),
        (
            lambda d: d[0].update(
                status=[{"status": "suspended", "from": "2022-01-01", "to": "2022-02-01"}]
            ),
            "status.0.from",
            "before the measure was known",
        ),
        (
            lambda d: d[0].update(
                status=[{"status": "lifted", "from": "2025-11-10", "by": "CN-NOPE"}]
            ),
            "status.0.by",
            "unknown measure",
        ),
        (lambda d: d[0].update(published=None), "published", "needs published or first_reported"),
        (
            lambda d: d[0]["clauses"][0].update(measure_type="embargo"),
            "clauses.0.measure_type",
            "Input should be",
        ),
        (lambda d: d.append(dict(d[0])), "measure_id", "duplicated measure_id"),
        (
            lambda d: d[1]["links"][0].update({"from": "2025-11-10"}),
            "links.0.to",
            "a suspension needs its end date",
        ),
        (
            lambda d: d[1]["links"][0].update({"from": "2025-11-01", "to": "2026-11-10"}),
            "links.0.from",
            "before the measure was known",
        ),
        (
            lambda d: d[1]["links"][0].update({"relation": "amends", "from": "2025-11-10"}),
            "links.0.from",
            "takes no dates",
        ),
    ],
)
def test_bad_entries_name_file_line_and_field(
    tmp_path: Path, edit: object, column: str, message: str
) -> None:
    path = _write(tmp_path, _bad(edit))
    with pytest.raises(DataError) as info:
        reg.load_registry([path], MATERIALS, HS)
    e = info.value
    assert e.file == str(path) and e.column == column and message in e.message
    assert e.row is not None and e.row >= 1


def test_dated_link_sets_the_status_of_the_measure_it_acts_on(tmp_path: Path) -> None:
    """A confirmed suspension notice needs no edit of the measure it suspends: its dated link
    gives that measure a suspension, known from the suspending notice's own date."""
    import copy

    data = copy.deepcopy(GOOD)
    data[1]["links"][0].update({"from": "2025-11-10", "to": "2026-11-10"})
    data[0]["status"] = [{"status": "lifted", "from": "2026-12-01"}]
    rows = reg.rows(reg.load_registry([_write(tmp_path, data)], MATERIALS, HS))
    assert [e[:6] + (e[9],) for e in rows["status_events"]] == [
        (
            "CN-MOFCOM-GACC-2023-23",
            1,
            "suspended",
            date(2025, 11, 10),
            date(2026, 11, 10),
            "CN-SUSPEND-X",
            date(2025, 11, 7),
        ),
        ("CN-MOFCOM-GACC-2023-23", 2, "lifted", date(2026, 12, 1), None, None, date(2026, 12, 1)),
    ]
    # recorded on the suspended measure itself as well: counted once
    data[0]["status"] = [
        {"status": "suspended", "from": "2025-11-10", "to": "2026-11-10", "by": "CN-SUSPEND-X"}
    ]
    rows = reg.rows(reg.load_registry([_write(tmp_path, data)], MATERIALS, HS))
    assert len(rows["status_events"]) == 1
