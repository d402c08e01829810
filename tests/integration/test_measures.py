"""The measures registry on the real bundle: point in time, statuses, levels lifted by real
measures from their publication day, and a bad registry file that leaves the store as it was."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from tests.conftest import BUNDLE, MEASURES, NOW

from supplywatch.catalog.tables import TABLES
from supplywatch.errors import DataError
from supplywatch.pipeline.bundle import ingest_bundle
from supplywatch.services import Services
from supplywatch.settings import Settings
from supplywatch.store.duckdb_store import connect
from supplywatch.store.pit import as_of_sql


@pytest.fixture(scope="module")
def svc(store_path: Path) -> Services:
    return Services(Settings(db_path=store_path, clock_frozen_at=NOW))


def _level(con: duckdb.DuckDBPyConnection, item: str, importer: str, day: date) -> pd.Series:
    """The factors row and the level in force on ``day`` (the point-in-time rule)."""
    f = as_of_sql(TABLES["out_supplywatch__monthly_factors"], day)
    lv = as_of_sql(TABLES["out_supplywatch__monthly_levels"], day)
    df = con.execute(
        f"SELECT f.*, l.alert_level, l.baseline_alert_level FROM ({f}) f JOIN ({lv}) l USING "
        "(item_kind_code, item_id, importer_id) WHERE item_id = ? AND importer_id = ?",
        [item, importer],
    ).df()
    assert len(df) == 1, (item, importer, day)
    return df.iloc[0]


def test_nothing_is_known_before_its_publication(svc: Services) -> None:
    before = {m["measure_id"] for m in svc.measures(date(2023, 7, 2), imposer="CHN")}
    on = {m["measure_id"] for m in svc.measures(date(2023, 7, 3), imposer="CHN")}
    assert "CN-MOFCOM-GACC-2023-23" not in before
    assert on - before == {"CN-MOFCOM-GACC-2023-23"}
    with pytest.raises(Exception, match="no measure 'CN-MOFCOM-GACC-2023-23' known on 2023-07-02"):
        svc.measures(date(2023, 7, 2), measure_id="CN-MOFCOM-GACC-2023-23")
    # published, not yet effective: announced (and already counted: the lead is the point)
    [ga] = svc.measures(date(2023, 7, 3), measure_id="CN-MOFCOM-GACC-2023-23")
    assert (ga["status_on_date"], ga["is_active"]) == ("announced", True)
    assert ga["effective_date"] == "2023-08-01"
    [ga] = svc.measures(date(2023, 8, 1), measure_id="CN-MOFCOM-GACC-2023-23")
    assert ga["status_on_date"] == "in force"
    # the typo in the gallium metal code is kept and flagged
    codes = {k["code"]: k for c in ga["clauses"] for k in c["codes"]}
    assert codes["8110929010"]["is_typo"] and codes["8112929090"]["hs6"] == "811292"


def test_suspensions_known_from_their_own_date_and_expiry_is_unverified(svc: Services) -> None:
    def status(mid: str, day: date) -> str:
        [m] = svc.measures(day, measure_id=mid)
        return str(m["status_on_date"])

    assert status("CN-MOFCOM-2024-46", date(2025, 11, 8)) == "in force"
    assert status("CN-MOFCOM-2024-46", date(2025, 11, 9)) == "suspended until 2026-11-27"
    # published 2025-10-09, to take effect 2025-11-08: suspended the day before
    assert status("CN-MOFCOM-GACC-2025-57", date(2025, 11, 6)) == "announced"
    assert status("CN-MOFCOM-GACC-2025-57", date(2026, 11, 10)) == "suspended until 2026-11-10"
    assert (
        status("CN-MOFCOM-GACC-2025-57", date(2026, 11, 24))
        == "suspension expired 2026-11-10, status unverified"
    )
    [m] = svc.measures(date(2026, 11, 24), measure_id="CN-MOFCOM-GACC-2025-57")
    assert m["is_active"] and m["is_review"]
    # the DRC's cobalt suspension, extended on 2025-06-21, gave way to quotas on 2025-10-16
    assert status("COD-ARECOMS-2025-02-22", date(2025, 10, 15)) == "in force"
    assert status("COD-ARECOMS-2025-02-22", date(2025, 10, 16)) == "replaced"
    # a measure without an effective date stays "announced" (and counts): never assumed
    assert status("RU-GOV-2022-05-30", date(2026, 11, 24)) == "announced"


def test_gallium_for_japan_reaches_alert_from_the_notice_day(
    bundle_store: duckdb.DuckDBPyConnection,
) -> None:
    before = _level(bundle_store, "gallium", "JPN", date(2023, 7, 2))
    on = _level(bundle_store, "gallium", "JPN", date(2023, 7, 3))
    # the measure's floor (and the baseline score's level) from the notice day, not before;
    # the risk model already put gallium for Japan at 경계 a year earlier (China's urea
    # controls of 2021 in its momentum), and the notice raises its probability at once
    assert before["measure_floor_level"] == 0 and before["baseline_alert_level"] < 3
    assert on["measure_floor_level"] == 3 and on["alert_level"] >= 3
    assert on["baseline_alert_level"] >= 3
    assert before["risk_probability_share"] == pytest.approx(0.3191, abs=1e-4)
    assert on["risk_probability_share"] == pytest.approx(0.6017, abs=1e-4)
    assert on["measure_exposure_share"] >= 0.25
    assert "MOFCOM/GACC Announcement 2023 No. 23" in on["active_measures_text"]
    assert on["supply_measures_factor"] > 0 and before["supply_measures_factor"] == 0


def test_a_bad_registry_file_leaves_the_store_unchanged(tmp_path: Path, store_path: Path) -> None:
    reg = tmp_path / "measures"
    shutil.copytree(MEASURES, reg)
    path = tmp_path / "s.duckdb"
    shutil.copyfile(store_path, path)  # the bundle and this registry, loaded
    con = connect(path)
    again = ingest_bundle(con, BUNDLE, now=NOW, measures_dirs=[reg])
    assert {r.status for r in again} == {"unchanged"}  # same files: nothing to do

    def state() -> tuple[object, ...]:
        core = tuple(
            con.execute(
                f"SELECT count(*), max(snapshot_id), sum(hash(measure_id)) FROM {t}"
            ).fetchone()
            for t in ("core_measures__measures", "core_measures__clauses")
        )
        out = con.execute(
            "SELECT count(*), sum(measure_floor_level), sum(hash(active_measures_text)) "
            "FROM out_supplywatch__monthly_factors"
        ).fetchone()
        return (*core, out)

    before = state()
    target = reg / "cn-2023-2024.yaml"
    good = target.read_text(encoding="utf-8")
    cases = [
        (lambda d: d[0]["clauses"][0]["materials"].append("unobtainium"), "unknown material"),
        (lambda d: d[0]["clauses"][0]["codes"].append({"code": "1234560000"}), "HS6 123456"),
        (lambda d: d[0].update(published=date(2023, 9, 1)), "effective"),
        # a suspension of a measure the registry does not hold
        (
            lambda d: (
                d[4]
                .setdefault("links", [])
                .append({"measure_id": "CN-NOPE", "relation": "suspends"})
            ),
            "links to an unknown measure",
        ),
        (lambda d: d[4]["status"][0].update(by="CN-NOPE"), "by an unknown measure"),
    ]
    for mutate, message in cases:
        data = yaml.safe_load(good)
        mutate(data)
        target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with pytest.raises(DataError, match=message) as err:
            ingest_bundle(con, BUNDLE, now=NOW, measures_dirs=[reg])
        assert err.value.file.endswith("cn-2023-2024.yaml") and err.value.column
        assert state() == before
    con.close()


def test_measures_without_a_legal_reference_are_named_by_their_id(
    bundle_store: duckdb.DuckDBPyConnection,
) -> None:
    """A measure known only from reports (no legal reference) is named by its id in the
    active-measures text, never as "nan"."""
    texts = [
        r[0]
        for r in bundle_store.execute(
            "SELECT DISTINCT active_measures_text FROM out_supplywatch__monthly_factors "
            "WHERE active_measures_text IS NOT NULL"
        ).fetchall()
    ]
    assert texts and not [t for t in texts if "nan cl." in t or "None cl." in t]
    assert any("CN-SCTC-SB-EXPORT-DUTY cl. Sb export_tax" in t for t in texts)
