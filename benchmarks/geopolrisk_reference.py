# SPDX-License-Identifier: Apache-2.0
"""Reference GeoPolRisk values from the geopolrisk-py library, for parity tests and timing.

This script is ours (Apache-2.0). It contains no code from geopolrisk-py (GPL); it only
imports that library and calls its public functions, so it must be run with the Python
of a separate environment in which geopolrisk-py is installed, never with supplywatch's:

    /tmp/gprvenv/bin/python benchmarks/geopolrisk_reference.py --out /tmp/gpr.json \
        [--materials Cobalt Lithium ...] [--countries KOR JPN] [--years 2018 2024]

For every (material, country, year) case it records:

* what the library's aggregate entry point ``geopolrisk.assessment.main.gprs_calc`` returns
  for that one case (Score, CF, HHI, import risk, price), timed per call; and
* the intermediate terms, from the library's core functions called in the same order as
  ``gprs_calc`` calls them (``core.importrisk`` -> numerator, total import quantity, price;
  ``core.HHI`` -> domestic production, HHI; ``core.GeoPolRisk`` -> Score, CF, import risk),
  timed separately, and whether both paths agree exactly.

A case the library cannot compute is recorded with its error and the run goes on
(``gprs_calc`` itself swallows errors and returns no row; the core path shows the exception).

Side effects of the library, and how they are contained:

* On import it creates ``$HOME/Documents/geopolrisk/{logs,databases,output}``, writes a DEBUG
  log file there and copies ``Company data.xlsx``; ``gprs_calc`` writes ``output/results.xlsx``
  and ``output/Datarecords.db`` there. This script points ``HOME`` at a fresh temporary
  directory (``--workdir``, default a new ``/tmp/gpr_ref_*``) before importing the library,
  so nothing is written to the real home, to the library's install folder or to the repo.
  The path is recorded in the output as ``library_workdir``.
* It reads its bundled SQLite files (``geopolrisk/lib/*.db``) into memory on import (about
  30 s); this script opens them read-only only to map ISO3 codes to numeric codes.

``gprs_calc`` rebuilds its material-mapped trade table (``utils.mapped_baci``, about 13 s) on
every call. To call it once per case without paying that each time, this script builds the
table once with the library's own ``mapped_baci`` and hands that same object to later calls
(the name ``mapped_baci`` in ``geopolrisk.assessment.main`` is rebound to return it). The
library never modifies the table in place, so results are unchanged; ``--no-cache-mapping``
turns this off (then every case pays the rebuild).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_COUNTRIES = ["KOR", "JPN"]
DEFAULT_YEARS = (2018, 2024)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--out", required=True, type=Path, help="output JSON file")
    p.add_argument(
        "--materials",
        nargs="+",
        default=None,
        help="material names as geopolrisk names them ('Reference ID', e.g. Cobalt, 'Rare earth'); "
        "default: every material the library knows (utils.default_rmlist())",
    )
    p.add_argument(
        "--countries", nargs="+", default=DEFAULT_COUNTRIES, help="ISO3 codes (default KOR JPN)"
    )
    p.add_argument(
        "--years",
        nargs=2,
        type=int,
        default=list(DEFAULT_YEARS),
        metavar=("FIRST", "LAST"),
        help="inclusive year range (default 2018 2024)",
    )
    p.add_argument(
        "--workdir", type=Path, default=None, help="HOME for the library's own output files"
    )
    p.add_argument(
        "--no-cache-mapping",
        action="store_true",
        help="let gprs_calc rebuild its trade table per case",
    )
    p.add_argument(
        "--batch-check",
        action="store_true",
        help="also call gprs_calc once for all cases together, with its own (uncached) trade "
        "table, and compare with the per-case values (it stops at the first case it cannot "
        "compute)",
    )
    p.add_argument("--quiet", action="store_true", help="no per-case progress lines on stderr")
    return p.parse_args(argv)


HEADLINE = ("score", "cf", "hhi", "import_risk", "price")


def _float(x: Any) -> float | None:
    if x is None:
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _num(x: Any) -> float | None:
    """A JSON-safe number: a Python float, None for missing or non-finite values."""
    f = _float(x)
    return f if f is not None and math.isfinite(f) else None


def _same(a: Any, b: Any) -> bool:
    """Exact equality of two numbers, NaN equal to NaN."""
    fa, fb = _float(a), _float(b)
    if fa is None or fb is None:
        return fa is None and fb is None
    return fa == fb or (math.isnan(fa) and math.isnan(fb))


def _nonfinite(values: dict[str, Any]) -> dict[str, str]:
    """Fields whose value is NaN or infinite (written as None in the JSON), with their repr."""
    out = {}
    for k, v in values.items():
        f = _float(v)
        if f is not None and not math.isfinite(f):
            out[k] = repr(f)
    return out


def _result_row(row: Any) -> dict[str, Any]:
    """Headline values of one row of gprs_calc's result table."""
    return {
        "score": row["GeoPolRisk Score"],
        "cf": row["GeoPolRisk Characterization Factor [eq. Kg-Cu/Kg]"],
        "hhi": row["HHI"],
        "import_risk": row["Import Risk"],
        "price": row["Price"],
    }


def _iso3_to_numeric(db_path: Path) -> dict[str, int]:
    """ISO3 -> BACI numeric country code, from the library's own code table (opened read-only)."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT country_iso3, country_code FROM country_codes_V202401b"
        ).fetchall()
    finally:
        con.close()
    return {str(iso3).strip().upper(): int(code) for iso3, code in rows if iso3 and code}


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    t_start = time.perf_counter()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gpr_ref_", dir="/tmp"))
    workdir.mkdir(parents=True, exist_ok=True)
    # Contain the library's side effects before it is imported (it acts at import time).
    os.environ["HOME"] = str(workdir)
    os.environ.setdefault("TQDM_DISABLE", "1")
    sys.dont_write_bytecode = True

    import importlib.metadata as md

    t0 = time.perf_counter()
    import geopolrisk  # noqa: F401
    from geopolrisk.assessment import core, utils
    from geopolrisk.assessment import main as gmain
    from geopolrisk.assessment.database import databases

    t_import = time.perf_counter() - t0
    import logging

    # The library passes extra arguments to logging.debug() without placeholders; without this,
    # every such call prints a formatting traceback on stderr. Results are unaffected.
    logging.raiseExceptions = False
    version = md.version("geopolrisk-py")
    lib_dir = Path(geopolrisk.__file__).resolve().parent / "lib"

    hs_map = utils.Mapping()  # Reference ID -> HS codes, as the library builds it
    known = list(hs_map.keys())
    materials = args.materials if args.materials else known
    years = list(range(args.years[0], args.years[1] + 1))

    iso3_num = _iso3_to_numeric(lib_dir / "baci.db")
    iso_df = databases.production["Country_ISO"]
    num_to_name = {int(i): str(n) for i, n in zip(iso_df["ISO"], iso_df["Country"], strict=True)}

    hs_table = databases.production["HS Code Map"]
    sheet_of = dict(zip(hs_table["Reference ID"], hs_table["Sheet_name"], strict=True))

    # Build the material-mapped trade table once, with the library's own function.
    t0 = time.perf_counter()
    mapped = utils.mapped_baci()
    t_mapping = time.perf_counter() - t0
    if not args.no_cache_mapping:
        gmain.mapped_baci = lambda: mapped  # gprs_calc looks this name up in its own module

    cases: list[dict[str, Any]] = []
    per_case_raw: dict[str, dict[str, Any]] = {}  # gprs_calc's unrounded values, by its DBID
    n_total = len(materials) * len(args.countries) * len(years)
    t_cases0 = time.perf_counter()
    for rm in materials:
        unit = None
        with contextlib.suppress(Exception):  # unknown material: the error is recorded per case
            unit = str(utils.getProd(rm)["unit"].tolist()[0])
        for iso3 in args.countries:
            code = iso3_num.get(iso3.upper())
            name = num_to_name.get(code) if code is not None else None
            for year in years:
                rec: dict[str, Any] = {
                    "material": rm,
                    "wmd_sheet": sheet_of.get(rm),
                    "hs_codes": sorted(hs_map.get(rm, [])),
                    "production_unit": unit,
                    "country": iso3.upper(),
                    "country_code": code,
                    "country_name": name,
                    "year": year,
                    "error": None,
                }
                if name is None:
                    rec["error"] = f"country {iso3!r} not in the library's country tables"
                    rec["ok"] = False
                    cases.append(rec)
                    continue

                # 1) the public aggregate entry point, one case per call
                t0 = time.perf_counter()
                try:
                    res = gmain.gprs_calc([year], [name], [rm])
                    g_err = None
                except Exception as e:  # noqa: BLE001
                    res, g_err = None, f"{type(e).__name__}: {e}"
                rec["time_s_gprs_calc"] = time.perf_counter() - t0
                g_raw: dict[str, Any] | None = None
                if res is not None and len(res) == 1:
                    g_raw = _result_row(res.iloc[0])
                    rec["gprs_calc"] = {k: _num(g_raw[k]) for k in HEADLINE}
                    rec["gprs_calc"]["dbid"] = str(res.iloc[0]["DBID"])
                    per_case_raw[rec["gprs_calc"]["dbid"]] = g_raw
                    if _nonfinite(g_raw):
                        rec["gprs_calc"]["nonfinite"] = _nonfinite(g_raw)
                else:
                    rec["gprs_calc"] = None
                    g_err = (
                        g_err or "gprs_calc returned no row (it stops at the first error it meets)"
                    )

                # 2) the core functions, in gprs_calc's order, for the intermediate terms
                t0 = time.perf_counter()
                stage = "core.importrisk"
                c_raw: dict[str, Any] | None = None
                try:
                    numer, total_imp, price = core.importrisk(rm, year, name, mapped)
                    stage = "core.HHI"
                    prod_qty, hhi = core.HHI(rm, year, name)
                    stage = "core.GeoPolRisk"
                    score, cf, wta = core.GeoPolRisk(numer, total_imp, price, prod_qty, hhi)
                    c_raw = {
                        "hhi": hhi,
                        "import_risk": wta,
                        "score": score,
                        "cf": cf,
                        "weighted_import_qty": numer,
                        "total_import_qty": total_imp,
                        "domestic_production": prod_qty,
                        "denominator": total_imp + prod_qty,
                        "price": price,
                    }
                    rec.update({k: _num(v) for k, v in c_raw.items()})
                    if _nonfinite(c_raw):
                        rec["nonfinite"] = _nonfinite(c_raw)
                    c_err = None
                except Exception as e:  # noqa: BLE001
                    c_err = f"{stage}: {type(e).__name__}: {e}"
                rec["time_s_core"] = time.perf_counter() - t0

                g = rec["gprs_calc"]
                if g_raw is not None and c_raw is not None:
                    rec["paths_agree"] = all(_same(g_raw[k], c_raw[k]) for k in HEADLINE)
                else:
                    rec["paths_agree"] = None
                rec["ok"] = g is not None and c_err is None
                if g_err or c_err:
                    rec["error"] = "; ".join(x for x in (g_err if g is None else None, c_err) if x)
                if g is not None and c_err is not None:
                    # gprs_calc computed what the core path could not: keep its headline values
                    for k in HEADLINE:
                        rec.setdefault(k, g[k])
                cases.append(rec)
                if not args.quiet:
                    print(
                        f"[{len(cases)}/{n_total}] {rm} {iso3} {year}: "
                        + (f"score={rec.get('score')}" if rec["ok"] else f"ERROR {rec['error']}"),
                        file=sys.stderr,
                        flush=True,
                    )

    t_cases = time.perf_counter() - t_cases0

    batch: dict[str, Any] | None = None
    if args.batch_check:
        gmain.mapped_baci = utils.mapped_baci  # the library's own, uncached
        names = [
            num_to_name[iso3_num[c.upper()]]
            for c in args.countries
            if iso3_num.get(c.upper()) in num_to_name
        ]
        t0 = time.perf_counter()
        res = gmain.gprs_calc(years, names, materials)
        t_batch = time.perf_counter() - t0
        by_id = {str(r["DBID"]): _result_row(r) for _, r in res.iterrows()}
        n_equal = sum(
            1
            for dbid, raw in per_case_raw.items()
            if dbid in by_id and all(_same(by_id[dbid][k], raw[k]) for k in HEADLINE)
        )
        batch = {
            "time_s": t_batch,
            "n_rows": len(res),
            "n_cases_equal_to_per_case": int(n_equal),
            "note": "one gprs_calc call over years x countries x materials; "
            "mapped_baci rebuilt once inside it",
        }
    total = time.perf_counter() - t_start
    n_ok = sum(1 for c in cases if c.get("ok"))
    out = {
        "library": "geopolrisk-py",
        "library_version": version,
        "python": platform.python_version(),
        "library_workdir": str(workdir / "Documents" / "geopolrisk"),
        "mapping_cached": not args.no_cache_mapping,
        "materials": materials,
        "countries": [c.upper() for c in args.countries],
        "years": years,
        "n_cases": len(cases),
        "n_ok": n_ok,
        "n_failed": len(cases) - n_ok,
        "time_s_import": t_import,
        "time_s_mapped_baci": t_mapping,
        "time_s_cases": t_cases,
        "time_s_per_case_gprs_calc_mean": (
            sum(c.get("time_s_gprs_calc", 0.0) for c in cases) / len(cases) if cases else None
        ),
        "time_s_per_case_core_mean": (
            sum(c.get("time_s_core", 0.0) for c in cases) / len(cases) if cases else None
        ),
        "batch_gprs_calc": batch,
        "total_wall_s": total,
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(args.out.suffix + ".part")
    tmp.write_text(json.dumps(out, indent=1, allow_nan=False), encoding="utf-8")
    tmp.replace(args.out)
    print(
        f"{n_ok}/{len(cases)} cases ok; total {total:.1f} s (import {t_import:.1f} s, "
        f"mapping {t_mapping:.1f} s, cases {t_cases:.1f} s); wrote {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
