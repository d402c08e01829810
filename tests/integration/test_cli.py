"""The CLI, as a user runs it: a real subprocess, JSON output, clear errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import CLOCK_ENV, ROOT, TEST_DATA


def _cli(
    tmp: Path, *args: str, bundle: Path = TEST_DATA, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SUPPLYWATCH_DB_PATH": str(tmp / "cli.duckdb"),
        "SUPPLYWATCH_BUNDLE_DIR": str(bundle),
        "SUPPLYWATCH_DATABASE_URL": f"sqlite:///{tmp / 'service.sqlite'}",
        "COLUMNS": "200",
        **CLOCK_ENV,
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "supplywatch.cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    result = _cli(tmp, "ingest", "--format", "json")
    assert result.returncode == 0, result.stderr
    loaded = {r["source"]: r["status"] for r in json.loads(result.stdout)}
    assert loaded == {
        "hs": "loaded",
        "baci": "loaded",
        "wmd": "loaded",
        "wgi": "loaded",
        "pinksheet": "loaded",
        "items": "loaded",
        "measures": "loaded",  # the supply-measures registry (data/measures)
        "out": "built",  # the risk engine's out layer, in the same transaction
    }
    return tmp


def test_ingest_again_is_a_noop(loaded: Path) -> None:
    result = _cli(loaded, "ingest", "--source", "baci", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [r["status"] for r in json.loads(result.stdout)] == ["unchanged"]


def test_status_json(loaded: Path) -> None:
    result = _cli(loaded, "status", "--format", "json")
    assert result.returncode == 0, result.stderr
    by_source = {s["source"]: s for s in json.loads(result.stdout)}
    assert by_source["baci"]["rows"] == 64
    assert (by_source["baci"]["period_from"], by_source["baci"]["period_to"]) == ("2019", "2024")
    assert by_source["baci"]["licence"] == "Etalab Open Licence 2.0"
    assert by_source["pinksheet"]["latest_available_date"] == "2026-06-05"


def test_items_search_korean_json(loaded: Path) -> None:
    result = _cli(loaded, "items", "디스프로슘", "--format", "json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert [i["material_id"] for i in items] == ["dysprosium"]
    assert items[0]["names"]["ja"] == "ジスプロシウム"
    assert "280530" in items[0]["hs_by_revision"]["H0"]


def test_items_table_output(loaded: Path) -> None:
    result = _cli(loaded, "items", "ガリウム")
    assert result.returncode == 0, result.stderr
    assert "gallium" in result.stdout and "811292" in result.stdout


def test_unknown_source_is_a_clear_error(loaded: Path) -> None:
    result = _cli(loaded, "ingest", "--source", "nope")
    assert result.returncode == 2
    assert "unknown source 'nope'" in result.stderr


def test_bad_file_error_names_file_row_column(tmp_path: Path) -> None:
    import shutil

    bundle = tmp_path / "bundle"
    shutil.copytree(TEST_DATA, bundle)
    path = bundle / "wgi" / "wgi_1996_2023_long.csv"
    path.chmod(0o644)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = (
        lines[2].replace(",pv,", ",xx,", 1)
        if ",pv," in lines[2]
        else lines[2].replace(",cc,", ",xx,", 1)
    )
    path.write_text("".join(lines), encoding="utf-8")
    # changed without a new manifest: the checksum says so first
    result = _cli(tmp_path, "ingest", bundle=bundle)
    assert result.returncode == 2
    assert (
        "wgi_1996_2023_long.csv" in result.stderr and "differs from the manifest" in result.stderr
    )
    # a release whose manifest was regenerated with the bad file: the content check names it
    for p in bundle.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    sealed = subprocess.run(
        [sys.executable, "scripts/seal_manifest.py", str(bundle)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert sealed.returncode == 0, sealed.stderr
    result = _cli(tmp_path, "ingest", bundle=bundle)
    assert result.returncode == 2
    assert "wgi_1996_2023_long.csv" in result.stderr
    assert "row 3" in result.stderr and "column 'indicator'" in result.stderr


def test_screen_and_explain_json(loaded: Path) -> None:
    result = _cli(
        loaded,
        "screen",
        "--importer",
        "JPN",
        "--as-of",
        "2024-06-01",
        "--top",
        "3",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    assert rows[0]["score_points"] >= rows[1]["score_points"] >= rows[2]["score_points"]
    scored = [r for r in rows if r["item_state_code"] == "scored"]
    assert scored and all(r["trade_year"] == 2022 for r in scored)  # 2023: on 2025-01-31
    assert {r["importer_id"] for r in rows} == {"JPN"}
    result = _cli(
        loaded,
        "explain",
        "dysprosium",
        "--importer",
        "JPN",
        "--as-of",
        "2024-06-01",
        "--chart",
        str(loaded / "dy.html"),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    exp = json.loads(result.stdout)
    assert exp["evidence"]["trade"]["year"] == 2022
    assert {f["factor"] for f in exp["factors"]} >= {"supplier_concentration", "screens"}
    assert sum(f["contribution_points"] for f in exp["factors"]) == pytest.approx(
        exp["score"], abs=0.1
    )
    change = exp["level_history"][-1]  # every level change carries its evidence bundle
    assert set(change["factors"]) == {f["factor"] for f in exp["factors"]}
    assert change["sources"]["trade"]["year"] <= 2022
    assert change["sources"]["trade"]["freshness_days"] >= 0
    assert 0 <= change["confidence"] <= 1
    html = (loaded / "dy.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in html
    assert '<script src="http' not in html  # offline: plotly.js is inlined, no CDN


def test_explain_unknown_material(loaded: Path) -> None:
    result = _cli(loaded, "explain", "unobtainium")
    assert result.returncode == 2
    assert "unknown material 'unobtainium'" in result.stderr


def test_screen_hs_codes_and_any_importer(loaded: Path) -> None:
    result = _cli(
        loaded,
        "screen",
        "--importer",
        "kor",
        "--items",
        "hs",
        "--as-of",
        "2026-11-24",
        "--top",
        "0",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    codes = {r["item_id"] for r in rows}
    assert codes <= {"280530", "284610", "284690", "811230"}  # the extract's BACI codes
    assert "284690" in codes and all(r["importer_id"] == "KOR" for r in rows)
    bad = _cli(loaded, "screen", "--importer", "XYZ")
    assert bad.returncode == 2 and "unknown importer 'XYZ'" in bad.stderr


def test_every_item_is_shown_in_its_state(loaded: Path) -> None:
    result = _cli(loaded, "screen", "--importer", "KOR", "--top", "0", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 77  # every catalog material, whatever its data
    by = {r["item_id"]: r for r in rows}
    # the extract has trade for rare earths and germanium only: the rest say why
    assert by["dysprosium"]["item_state_code"] == "scored"
    hf = by["hydrogen_fluoride"]
    assert hf["item_state_code"] == "no_data" and hf["score_points"] is None
    assert hf["fill_command_text"] == (
        "supplywatch fetch comtrade --reporter KOR --hs 281111 --years 2015-2025"
    )
    states = [r["item_state_code"] for r in rows]
    order = {"scored": 0, "partial": 0, "stale": 1, "no_data": 2}
    assert [order[s] for s in states] == sorted(order[s] for s in states)
    only = _cli(loaded, "screen", "--importer", "KOR", "--state", "no_data", "--format", "json")
    assert {r["item_state_code"] for r in json.loads(only.stdout)} == {"no_data"}


def test_item_names_in_any_language_and_suggestions(loaded: Path) -> None:
    ko = _cli(loaded, "explain", "갈륨", "--importer", "KOR", "--format", "json")
    assert ko.returncode == 0, ko.stderr
    assert json.loads(ko.stdout)["item_id"] == "gallium"
    typo = _cli(loaded, "explain", "galium")
    assert typo.returncode == 2
    assert "unknown material 'galium'; did you mean: gallium (갈륨, ガリウム)" in typo.stderr


def test_screen_is_readable_at_80_columns(loaded: Path) -> None:
    env_cols = {"COLUMNS": "80"}
    result = _cli(loaded, "screen", "--importer", "BLOC", "--top", "15", extra_env=env_cols)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80
    assert "…" not in result.stdout  # names wrap, they are never cut
    header = next(x for x in lines if "item" in x and "score" in x)
    assert "level" in header and "top supplier" in header
    assert "Dysprosium" in result.stdout  # full names, not ids
    # the rows shown are the top 15; the states counted are those of every item
    every = json.loads(
        _cli(loaded, "screen", "--importer", "BLOC", "--top", "0", "--format", "json").stdout
    )
    n = Counter(r["item_state_code"] for r in every)
    assert len(every) == 77 and n["no_data"] > 0
    assert (
        f"15 of 77 shown (--top 0: all). All: {n['scored']} scored · {n['partial']} partial · "
        f"{n['stale']} stale · {n['no_data']} no data."
    ) in " ".join(result.stdout.split())


def test_run_ends_with_the_bloc_screen(loaded: Path) -> None:
    result = _cli(loaded, "run", "--format", "json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["materials"] == 77
    assert out["bloc_screen"] and {r["importer_id"] for r in out["bloc_screen"]} == {"BLOC"}
    text = _cli(loaded, "run")
    assert text.returncode == 0, text.stderr
    assert "KR+JP bloc: the 15 materials most at risk" in text.stdout
    assert "15 of 77 shown" in text.stdout


def test_measures_command_filters_and_dates(loaded: Path) -> None:
    r = _cli(loaded, "measures", "--imposer", "CHN", "--material", "갈륨",
             "--as-of", "2023-07-03", "--format", "json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [m["measure_id"] for m in rows] == ["CN-MOFCOM-GACC-2023-23"]
    assert rows[0]["status_on_date"] == "announced" and rows[0]["known_since"] == "2023-07-03"
    r = _cli(
        loaded, "measures", "--material", "gallium", "--as-of", "2023-07-02", "--format", "json"
    )
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = _cli(loaded, "measures", "--material", "holmium", "--active", "--as-of", "2026-11-24")
    assert r.returncode == 0, r.stderr
    assert "2025 No. 57" in r.stdout and "unverified" in r.stdout
    r = _cli(loaded, "measures", "--as-of", "2023-02-30")
    assert r.returncode != 0 and "2023-02-30" in r.stderr


def test_notices_extract_command(loaded: Path) -> None:
    notice = (
        ROOT / "tests/data/notices/official/CN-2024-033-antimony-superhard.zh.official-capture.txt"
    )
    r = _cli(loaded, "notices", "extract", str(notice), "--format", "json")
    assert r.returncode == 0, r.stderr
    [got] = json.loads(r.stdout)
    assert "antimony" in got["materials"] and "2617101000" in got["codes"]
    assert got["effective_dates"] == ["2024-09-15"]


def test_cli_ingest_is_in_the_audit_log(loaded: Path) -> None:
    """An ingest from the host's command line is audited in the service's state database,
    with the OS user as actor and no organisation (it carries no tenant's data)."""
    import sqlite3

    con = sqlite3.connect(loaded / "service.sqlite")
    try:
        rows = con.execute(
            "SELECT actor, org_code, action, entity_id, detail FROM audit_log ORDER BY id"
        ).fetchall()
    finally:
        con.close()
    assert rows, "no audit entry"
    actor, org, action, entity_id, detail = rows[0]
    assert actor.startswith("cli:") and org is None
    assert (action, entity_id) == ("store.ingest", "cli")
    assert json.loads(detail)["sources"]["baci"] == "loaded"


def test_plan_of_skipped_materials_says_why_for_each(loaded: Path) -> None:
    result = _cli(
        loaded,
        "plan",
        "--budget-krw",
        "50e9",
        "--budget-jpy",
        "5e9",
        "--krw-per-usd",
        "1400",
        "--jpy-per-usd",
        "150",
        "--materials",
        "gallium,germanium",
        "--paths",
        "100",
    )
    assert result.returncode != 0
    err = " ".join((result.stderr + result.stdout).split())
    assert "no material asked has the data a plan needs" in err
    assert "gallium: " in err and "germanium: " in err  # the help's own example: each reason


def test_plan_table_then_what_was_not_planned_and_why(store_path: Path, tmp_path: Path) -> None:
    args = ["--budget-krw", "50e9", "--budget-jpy", "5e9", "--krw-per-usd", "1400"]
    args += ["--jpy-per-usd", "150", "--paths", "200"]
    mats = ["--materials", "natural_graphite,niobium,gallium"]
    env = {"SUPPLYWATCH_DB_PATH": str(store_path)}  # the whole bundle (only read)
    r = _cli(tmp_path, "plan", *args, *mats, extra_env={**env, "COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(x) for x in lines) <= 100
    text = " ".join(r.stdout.split())
    head = text.index("Joint stockpile plan as of")
    rest = text.index("Asked and not planned: 1 material, each with the reason")
    # planned, in the plan's table, each with its stored form's stage and codes (brackets kept)
    assert head < text.index("natural_graphite [extraction,") < rest
    assert head < text.index("niobium [processing, HS 720293]") < rest
    assert rest < text.index("gallium") and "no data: no trade of the stored form" in text
    assert "2 planned, 1 not planned (the reasons are in the second table)." in text
    js = json.loads(_cli(tmp_path, "plan", *args, *mats, "--format", "json", extra_env=env).stdout)
    assert [m["material_id"] for m in js["materials"]] == ["natural_graphite", "niobium"]
    assert [s["material_id"] for s in js["skipped"]] == ["gallium"]


def test_briefing_command_writes_html(loaded: Path) -> None:
    out = loaded / "b.html"
    result = _cli(
        loaded,
        "briefing",
        "--importer",
        "JPN",
        "--as-of",
        "2024-06-01",
        "--lang",
        "ja",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert 'lang="ja"' in html and "週間サプライチェーン早期警戒ブリーフィング" in html
    assert 'data-as-of="2024-06-01"' in html and "日本" in html
    assert "Briefing written to" in result.stdout
    bad = _cli(loaded, "briefing", "--out", str(loaded / "b.docx"))
    assert bad.returncode != 0 and ".html or .pdf" in bad.stderr + bad.stdout
