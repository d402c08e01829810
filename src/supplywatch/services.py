"""The one facade that the CLI, the API and the dashboard call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd

from supplywatch.alerts import backtest as bt
from supplywatch.alerts import calibrate as cal
from supplywatch.alerts.evaluate import (
    INDICATOR_TABLES,
    Frames,
    compute_frames,
    monthly_dates,
    timeline,
)
from supplywatch.alerts.evaluate import level_name as _level_name
from supplywatch.alerts.model import Ladder, load_ladder
from supplywatch.catalog.countries import encode_iso3
from supplywatch.catalog.tables import TABLES
from supplywatch.clock import Clock, clock_for, today
from supplywatch.errors import ConfigError
from supplywatch.items import loader
from supplywatch.items.models import Material
from supplywatch.pipeline.bundle import ITEMS, ingest_bundle, load_manifest
from supplywatch.pipeline.ingest import IngestResult, Progress
from supplywatch.settings import Settings
from supplywatch.sources.registry import SOURCES
from supplywatch.store.duckdb_store import connect
from supplywatch.store.pit import as_of_sql

#: Per source: the core table that carries its observations and the column giving the period.
_COVERAGE = {
    "hs": ("core_hs__products", "hs_revision_code"),
    "baci": ("core_baci__yearly_trade", "ref_year"),
    "wmd": ("core_wmd__yearly_production", "ref_year"),
    "wgi": ("core_wgi__yearly_governance", "ref_year"),
    "pinksheet": ("core_pinksheet__monthly_prices", "strftime(period_start_date, '%Y-%m')"),
    "items": ("core_supplywatch__materials", "NULL"),
}


@dataclass(frozen=True)
class SourceStatus:
    source: str
    title: str
    loaded: bool
    rows: int
    period_from: str | None
    period_to: str | None
    latest_available_date: str | None
    snapshot_id: str | None
    vintage: str | None
    loaded_at: str | None
    licence: str | None
    attribution: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ItemView:
    material_id: str
    symbol: str | None
    group: str
    names: dict[str, str]
    stages: list[str]
    hs2022: list[dict[str, Any]]
    hs_by_revision: dict[str, list[str]]
    end_uses: list[str]
    eol_rir: float | None
    lists: dict[str, str | None]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: HS2022 code -> the HS1992 codes its content came from, walking the concordance back one
#: revision at a time (material_id = the HS1992 code, product_id_hs6 = the HS2022 code).
_HS2022_TO_HS1992_SQL = """
    WITH RECURSIVE back(rev, code, h6) AS (
        SELECT 'H6', product_id_hs6, product_id_hs6 FROM core_hs__products
        WHERE hs_revision_code = 'H6'
        UNION
        SELECT c.from_revision_code, c.from_product_id_hs6, b.h6
        FROM back b JOIN core_hs__concordance c
          ON c.to_revision_code = b.rev AND c.to_product_id_hs6 = b.code)
    SELECT DISTINCT code AS material_id, h6 AS product_id_hs6 FROM back WHERE rev = 'H0'
"""


class Services:
    """Application services over one store."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or clock_for(settings.clock_frozen_at)

    def today(self) -> date:
        """Today by the application's clock (the default "as of" date)."""
        return today(self.clock)

    @contextmanager
    def _store(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only and not self.settings.db_path.exists():
            con = connect(self.settings.db_path, memory_limit=self.settings.memory_limit)
        else:
            con = connect(
                self.settings.db_path, read_only=read_only, memory_limit=self.settings.memory_limit
            )
        try:
            yield con
        finally:
            con.close()

    # --- ingest --------------------------------------------------------------------------------
    def ingest(
        self,
        sources: list[str] | None = None,
        progress: Progress | None = None,
        *,
        force: bool = False,
    ) -> list[IngestResult]:
        """Load the bundled snapshot (all sources, or some) into the store."""
        with self._store() as con:
            return ingest_bundle(
                con,
                self.settings.bundle_dir,
                sources,
                progress,
                force=force,
                now=self.clock.now(),
            )

    # --- status --------------------------------------------------------------------------------
    def status(self) -> list[SourceStatus]:
        """Per source: rows, period covered, freshness, licence."""
        manifest = load_manifest(self.settings.bundle_dir)
        out = []
        with self._store(read_only=True) as con:
            for name in [*SOURCES, ITEMS]:
                table, period = _COVERAGE[name]
                snap = con.execute(
                    "SELECT snapshot_id, vintage_code, loaded_at, licence_name, attribution_text "
                    "FROM core_supplywatch__snapshots WHERE source_name = ? "
                    "ORDER BY loaded_at DESC LIMIT 1",
                    [name],
                ).fetchall()
                has_avail = "available_date" in TABLES[table].fields
                avail = "max(available_date)" if has_avail else "NULL"
                row = con.execute(
                    f"SELECT count(*), min({period}), max({period}), {avail} FROM {table}"
                ).fetchall()[0]
                s = snap[0] if snap else None
                title = SOURCES[name].title if name in SOURCES else "Critical-item catalog"
                prov = manifest.get(name)
                out.append(
                    SourceStatus(
                        source=name,
                        title=title,
                        loaded=s is not None,
                        rows=int(row[0]),
                        period_from=None if row[1] is None else str(row[1]),
                        period_to=None if row[2] is None else str(row[2]),
                        latest_available_date=None if row[3] is None else str(row[3]),
                        snapshot_id=None if s is None else str(s[0]),
                        vintage=None if s is None else str(s[1]),
                        loaded_at=None if s is None else str(s[2]),
                        licence=(None if s is None else str(s[3]))
                        or (prov.licence if prov else None),
                        attribution=(None if s is None else str(s[4]))
                        or (prov.attribution if prov else None),
                    )
                )
        return out

    # --- items ---------------------------------------------------------------------------------
    def items(self, query: str | None = None) -> list[ItemView]:
        """Catalog entries matching ``query`` (any language, symbol or HS code)."""
        materials = loader.load_materials()
        hits = loader.search(materials, query or "")
        by_rev = self._links_by_revision([m.material_id for m in hits])
        return [self._view(m, by_rev.get(m.material_id, {})) for m in hits]

    def _links_by_revision(self, ids: list[str]) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        if not ids or not self.settings.db_path.exists():
            return out
        with self._store(read_only=True) as con:
            rows = con.execute(
                "SELECT material_id, hs_revision_code, list(product_id_hs6 ORDER BY product_id_hs6)"
                " FROM core_supplywatch__material_products WHERE material_id IN "
                f"({', '.join('?' * len(ids))}) GROUP BY ALL ORDER BY 1, 2",
                ids,
            ).fetchall()
        for mid, rev, codes in rows:
            out.setdefault(str(mid), {})[str(rev)] = [str(c) for c in codes]
        return out

    @staticmethod
    def _view(m: Material, by_rev: dict[str, list[str]]) -> ItemView:
        return ItemView(
            material_id=m.material_id,
            symbol=m.symbol,
            group=m.group,
            names=m.names.model_dump(),
            stages=list(m.stages),
            hs2022=[h.model_dump() for h in m.hs2022],
            hs_by_revision=by_rev,
            end_uses=list(m.end_uses),
            eol_rir=m.eol_rir.value,
            lists={k: v.status for k, v in m.lists.items()},
        )

    # --- point in time ---------------------------------------------------------------------------
    def as_of(
        self, table: str, as_of: date, where: str = "TRUE", params: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        """Rows of ``table`` known on ``as_of`` (available_date <= as_of; latest release)."""
        t = TABLES[table]
        with self._store(read_only=True) as con:
            rel = con.execute(f"SELECT * FROM ({as_of_sql(t, as_of)}) WHERE {where}", params or [])
            cols = [d[0] for d in rel.description]
            return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]

    def store_fingerprint(self) -> str:
        """Changes whenever a load commits (snapshots recorded, their latest load time)."""
        if not self.settings.db_path.exists():
            return "empty"
        with self._store(read_only=True) as con:
            try:
                r = con.execute(
                    "SELECT count(*), max(loaded_at) FROM core_supplywatch__snapshots"
                ).fetchall()[0]
            except duckdb.CatalogException:
                return "empty"
        return f"{r[0]}@{r[1]}"

    def store_stamp(self) -> str:
        """A cheap change marker (file sizes and modification times of the store and its
        write-ahead log): any committed write changes it; reading never does."""
        parts = []
        for p in (self.settings.db_path, Path(str(self.settings.db_path) + ".wal")):
            try:
                st = p.stat()
                parts.append(f"{st.st_mtime_ns}:{st.st_size}")
            except FileNotFoundError:
                parts.append("-")
        return "|".join(parts)

    def snapshot_ids(self) -> dict[str, str]:
        """The latest snapshot of each source (evidence bundles cite them)."""
        with self._store(read_only=True) as con:
            return dict(
                con.execute(
                    "SELECT source_name, arg_max(snapshot_id, loaded_at) FROM "
                    "core_supplywatch__snapshots GROUP BY 1"
                ).fetchall()
            )

    # --- headline ------------------------------------------------------------------------------
    def headline(self) -> dict[str, Any]:
        """What a new user sees after the first run: what is loaded, and how fresh."""
        status = self.status()
        with self._store(read_only=True) as con:
            items = con.execute("SELECT count(*) FROM core_supplywatch__materials").fetchall()
            linked = con.execute(
                "SELECT count(DISTINCT m.material_id) FROM core_supplywatch__material_products m "
                "JOIN (SELECT DISTINCT product_id_hs6 FROM core_baci__yearly_trade) b "
                "USING (product_id_hs6) WHERE m.hs_revision_code = 'H0'"
            ).fetchall()
        return {
            "sources": [s.as_dict() for s in status],
            "materials": int(items[0][0]),
            "materials_with_bundled_trade": int(linked[0][0]),
        }

    # --- risk engine -----------------------------------------------------------------------
    def frames(
        self, engine: str = "duckdb", importers: list[str] | None = None, items: str = "materials"
    ) -> Frames:
        """Every indicator, computed on the chosen engine over the store."""
        if engine not in {"duckdb", "spark"}:
            raise ConfigError(f"unknown engine {engine!r}; choose duckdb or spark")
        if items not in {"materials", "hs"}:
            raise ConfigError(f"unknown item kind {items!r}; choose materials or hs")
        for imp in importers or []:
            if imp != "BLOC":
                encode_iso3(imp)  # unknown importer: a clear error, not an empty screen
        with self._store(read_only=True) as con:
            if engine == "duckdb":
                return compute_frames(ibis.duckdb.from_connection(con), importers, items)
            return self._spark_frames(con, importers, items)

    def _spark_frames(
        self, con: duckdb.DuckDBPyConnection, importers: list[str] | None, items: str
    ) -> Frames:
        import tempfile

        from supplywatch.store.spark_store import export_tables, spark_backend, spark_session

        names = [*INDICATOR_TABLES, "core_hs__products", "core_wmd__commodities"]
        with tempfile.TemporaryDirectory() as d:
            session = spark_session()
            try:
                backend = spark_backend(session, export_tables(con, names, Path(d)))
                return compute_frames(backend, importers, items)
            finally:
                session.stop()

    def screen(
        self,
        importer: str,
        as_of: date,
        top: int | None = None,
        engine: str = "duckdb",
        items: str = "materials",
    ) -> list[dict[str, Any]]:
        """Items ranked by score for one importer (KOR, JPN, BLOC or any ISO3) on a date,
        with level and main driver; items are catalog materials or single HS codes."""
        ladder = load_ladder()
        fr = self.frames(engine, [importer], items)
        tl = timeline(fr, [*monthly_dates(date(2000, 1, 1), as_of), as_of], ladder)
        now = tl[(tl["as_of_date"] == pd.Timestamp(as_of)) & (tl["importer_id"] == importer)]
        # Scores equal to 1e-6 are ties, broken by item id: parallel sums differ in the last
        # bits from run to run, and the order must not (the back-test ranks the same way).
        now = now.assign(_rank_score=now["score"].round(6)).sort_values(
            ["_rank_score", "item_id"], ascending=[False, True]
        )
        rows = [self._screen_row(r, ladder) for r in now.itertuples()]
        return rows[:top] if top else rows

    @staticmethod
    def _screen_row(r: Any, ladder: Ladder) -> dict[str, Any]:
        def num(v: Any, nd: int = 4) -> float | None:
            return None if pd.isna(v) else round(float(v), nd)

        return {
            "item_id": r.item_id,
            "name_en": r.name_en,
            "importer_id": r.importer_id,
            "score": num(r.score, 1),
            "level": int(r.level),
            "level_ko": _level_name(int(r.level), ladder, "ko"),
            "level_en": _level_name(int(r.level), ladder, "en"),
            "level_ja": _level_name(int(r.level), ladder, "ja"),
            "main_driver": r.main_driver,
            "confidence": num(r.confidence, 2),
            "trade_year": int(r.trade_year),
            "trade_available_date": str(r.trade_available_date.date()),
            "import_value_kusd": num(r.import_value_kusd, 1),
            "top_supplier_id_iso3": r.top_supplier_id_iso3,
            "top_supplier_share": num(r.top_supplier_share),
            "china_share": num(r.china_share),
            "supplier_hhi": num(r.supplier_hhi),
            "production_hhi": num(r.production_hhi),
            "is_kita_screen": bool(r.is_kita_screen),
            "is_absolute_dependence": bool(r.is_absolute_dependence),
            "missing_factors": r.missing_factors or None,
            "factors": {f: num(getattr(r, f"f_{f}")) for f in ladder.weights},
            "ladder_version": ladder.version,
        }

    def backtest(
        self,
        events_file: Path,
        importers: list[str] | None = None,
        end: date | None = None,
        engine: str = "duckdb",
        items: str = "materials",
    ) -> bt.BacktestResult:
        """Back-test the ladder on an events CSV; items are catalog materials, or HS codes
        (an event's HS2022 codes walked back to the HS1992 codes of the trade data)."""
        events = bt.read_events(events_file)
        ladder = load_ladder()
        imps = importers or ["KOR", "JPN", "BLOC"]
        fr = self.frames(engine, imps, items)
        with self._store(read_only=True) as con:
            if items == "hs":
                links = con.execute(_HS2022_TO_HS1992_SQL).df()
            else:
                links = con.execute(
                    "SELECT material_id, product_id_hs6 FROM "
                    "core_supplywatch__material_products "
                    "WHERE hs_revision_code = 'H6'"
                ).df()
        return bt.run(fr, events, ladder, links, imps, end or today(self.clock))

    def calibrate(self) -> dict[str, tuple[float, float]]:
        """Thresholds by the ladder's documented rule, on the current store."""
        return cal.thresholds(self.frames(), load_ladder())

    def explain(
        self, item: str, importer: str, as_of: date, engine: str = "duckdb"
    ) -> dict[str, Any]:
        """Factor breakdown, supplier shares over time, production concentration, level
        history and evidence for one item and importer."""
        from supplywatch.alerts.explain import explain as _explain
        from supplywatch.indicators import trade

        ladder = load_ladder()
        fr = self.frames(engine)
        with self._store(read_only=True) as con:
            known = {
                r[0]
                for r in con.execute(
                    "SELECT material_id FROM core_supplywatch__materials"
                ).fetchall()
            }
            if item not in known:
                raise ConfigError(f"unknown material {item!r}: see `supplywatch items`")
            b = ibis.duckdb.from_connection(con)
            links = b.table("core_supplywatch__material_products").rename(item_id="material_id")
            links = links.filter(links.item_id == item)
            flows = trade.item_flows(b.table("core_baci__yearly_trade"), links)
            shares = trade.supplier_shares(trade.importer_flows(flows, [importer]))
            sh = shares.filter(shares.available_date <= as_of).to_pyarrow().to_pandas()
            snaps = dict(
                con.execute(
                    "SELECT source_name, arg_max(snapshot_id, loaded_at) FROM "
                    "core_supplywatch__snapshots GROUP BY 1"
                ).fetchall()
            )
        return _explain(fr, sh, item, importer, as_of, ladder, snaps)

    @staticmethod
    def explain_chart(exp: dict[str, Any]) -> str:
        """The offline HTML chart of an explanation."""
        from supplywatch.alerts.explain import chart_html

        return chart_html(exp)

    # --- live connectors -----------------------------------------------------------------------
    def fetch(self, source: str, *, transport: Any = None, **query: Any) -> Path:
        """Fetch from a live API into a new immutable snapshot; returns its directory.

        ``transport`` (an httpx transport) lets tests serve recorded responses.
        """
        from supplywatch.catalog.countries import countries as country_list
        from supplywatch.catalog.countries import encode_iso3
        from supplywatch.sources import comtrade, japan_customs, kcs, worldbank_wgi
        from supplywatch.sources.http import HttpClient

        st = self.settings
        client = HttpClient(
            timeout_s=st.http_timeout_s,
            max_retries=st.http_max_retries,
            min_interval_s=1.0,
            transport=transport,
        )
        out = st.snapshot_dir
        now = self.clock.now()

        def secret(value: Any, name: str) -> str:
            if value is None:
                raise ConfigError(f"{source} needs {name} (environment SUPPLYWATCH_{name.upper()})")
            return str(value.get_secret_value())

        with client:
            if source == "comtrade":
                reporters = [country_list()[encode_iso3(r)].m49 for r in query["reporters"]]
                key = st.comtrade_api_key.get_secret_value() if st.comtrade_api_key else None
                return Path(
                    comtrade.fetch(
                        reporters=[int(r) for r in reporters if r is not None],
                        years=query["years"],
                        cmd_codes=query["hs"],
                        client=client,
                        snapshot_dir=out,
                        now=now,
                        freq=query.get("freq", "A"),
                        api_key=key,
                    )
                )
            if source == "kcs":
                return Path(
                    kcs.fetch(
                        hs_codes=query["hs"],
                        start=query["start"],
                        end=query["end"],
                        service_key=secret(st.kcs_service_key, "kcs_service_key"),
                        client=client,
                        snapshot_dir=out,
                        now=now,
                        countries=query.get("countries"),
                    )
                )
            if source == "japan_customs":
                table = japan_customs.EstatTable(**query["table"])
                return Path(
                    japan_customs.fetch(
                        tables=[table],
                        app_id=secret(st.estat_app_id, "estat_app_id"),
                        products=query["hs"],
                        client=client,
                        snapshot_dir=out,
                        now=now,
                        times=query.get("times"),
                    )
                )
            if source == "worldbank_wgi":
                return Path(
                    worldbank_wgi.fetch(
                        client=client, snapshot_dir=out, years=query.get("years"), now=now
                    )
                )
        raise ConfigError(
            f"unknown live source {source!r}; known: comtrade, kcs, japan_customs, worldbank_wgi"
        )

    def ingest_snapshot(
        self, path: Path, progress: Progress | None = None, *, force: bool = False
    ) -> IngestResult:
        """Load a fetched snapshot (trade connectors) into the store."""
        from supplywatch.pipeline.snapshot_ingest import ingest_snapshot

        with self._store() as con:
            return ingest_snapshot(con, path, progress, force=force, now=self.clock.now())


def plan_stockpile(
    svc: Services,
    *,
    budget_krw: float,
    budget_jpy: float,
    krw_per_usd: float,
    jpy_per_usd: float,
    as_of: date,
    materials: list[str] | None = None,
    paths: int = 100_000,
    seed: int = 0,
    pool_share_kr: float = 0.5,
    stocks_csv: Path | None = None,
    consumption_csv: Path | None = None,
    consumption_t_per_year: dict[tuple[str, int], float] | None = None,
    held_t: dict[str, tuple[float, float, float]] | None = None,
    frames: Frames | None = None,
    levels_timeline: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The joint stockpile plan (HiGHS) for KR, JP and the pool, its Monte Carlo evaluation,
    the marginal value of each budget, and the "60 days of everything" rule at the same
    budgets. Budgets and exchange rates are the user's inputs (the bundled demo labels them
    illustrative).

    Users' own figures come from CSV files (the CLI) or, from the service, as
    ``consumption_t_per_year`` {(material, side 0=KR 1=JP): t} and ``held_t`` {material:
    (KR, JP, POOL) t}; a CSV row wins over the same key given directly. ``frames`` and
    ``levels_timeline`` let a caller that already holds them (the service's cache) pass them
    in; they must be the ones of this store and date."""
    from supplywatch.planning import inputs as pin
    from supplywatch.planning import solver
    from supplywatch.planning.mc_kernel import simulate_fused
    from supplywatch.planning.model import load_assumptions
    from supplywatch.planning.scenarios import scenarios_for

    for name, v in (
        ("budget_krw", budget_krw),
        ("budget_jpy", budget_jpy),
        ("krw_per_usd", krw_per_usd),
        ("jpy_per_usd", jpy_per_usd),
    ):
        if not v > 0:
            raise ConfigError(f"{name} must be > 0, not {v}")
    a = load_assumptions()
    ladder = load_ladder()
    fr = frames if frames is not None else svc.frames("duckdb", ["KOR", "JPN"])
    tl = (
        levels_timeline
        if levels_timeline is not None
        else timeline(fr, [*monthly_dates(date(2000, 1, 1), as_of), as_of], ladder)
    )
    now = tl[tl["as_of_date"] == pd.Timestamp(as_of)]
    levels = {(str(r.item_id), str(r.importer_id)): int(r.level) for r in now.itertuples()}
    known = set(fr.materials["material_id"])
    for mid in materials or []:
        if mid not in known:
            raise ConfigError(f"unknown material {mid!r}: see `supplywatch items`")
    for mid in a.importance:
        if mid not in known:
            raise ConfigError(f"assumptions.yml importance: unknown material {mid!r}")
    csv_entered, csv_held = pin.read_user_inputs(stocks_csv, consumption_csv, known)
    entered = {**(consumption_t_per_year or {}), **csv_entered}
    held = {**(held_t or {}), **csv_held}
    mats, china, skipped = pin.build_inputs(
        fr, levels, as_of, materials, entered, held, a.importance_default, a.importance
    )
    if not mats:
        raise ConfigError("no material has the data a plan needs (see skipped)")
    scen = [s for m in mats for s in scenarios_for(m, a, china[m.material_id])]
    bud = solver.Budget(budget_krw / krw_per_usd, budget_jpy / jpy_per_usd, pool_share_kr)
    best = solver.solve_plan(mats, scen, a, bud)
    marginal = {}
    for side in ("KR", "JP"):
        more = solver.Budget(
            bud.kr_usd * (1.01 if side == "KR" else 1.0),
            bud.jp_usd * (1.01 if side == "JP" else 1.0),
            pool_share_kr,
        )
        r = solver.solve_plan(mats, scen, a, more)
        d_budget = 0.01 * (bud.kr_usd if side == "KR" else bud.jp_usd)
        marginal[side] = (best.objective_usd - r.objective_usd) / d_budget
    rule_stock = solver.days_rule(mats, bud, 60.0)
    rule = solver.solve_plan(mats, scen, a, bud, fixed_stock=rule_stock)
    mc_best = simulate_fused(pin.mc_input(mats, scen, a, best.stock_t), paths, seed)
    mc_rule = simulate_fused(pin.mc_input(mats, scen, a, rule_stock), paths, seed)

    def mc_rows(res: Any, i: int) -> dict[str, Any]:
        return {
            side: {
                "shortfall_probability": round(float(res.shortfall_probability[i, c]), 6),
                "expected_unserved_t": round(float(res.expected_unserved_t[i, c]), 3),
                "days_to_exhaustion": None
                if np.isnan(res.days_to_exhaustion[i, c])
                else round(float(res.days_to_exhaustion[i, c]), 1),
            }
            for c, side in enumerate(("KR", "JP"))
        }

    rows = []
    for i, m in enumerate(mats):
        st = best.stock_t[m.material_id]
        ckr, cjp = m.consumption_t_per_day
        rows.append(
            {
                "material_id": m.material_id,
                "level": {"KOR": m.level[0], "JPN": m.level[1]},
                "top_supplier": {"KOR": m.top_supplier[0], "JPN": m.top_supplier[1]},
                "consumption_t_per_day": {"KR": round(ckr, 3), "JP": round(cjp, 3)},
                "consumption_basis": list(m.consumption_basis),
                "unit_value_usd_per_t": round(m.unit_value_usd_per_t, 1),
                "unit_value_basis": m.unit_value_basis,
                "importance": m.importance,
                "existing_t": dict(zip(("KR", "JP", "POOL"), m.existing_t, strict=True)),
                "target_t": {h: round(v, 3) for h, v in st.items()},
                "days_of_cover": {
                    "KR": round(st["KR"] / ckr, 1),
                    "JP": round(st["JP"] / cjp, 1),
                    "POOL": round(st["POOL"] / (ckr + cjp), 1),
                },
                "rule_60_days_t": {h: round(v, 3) for h, v in rule_stock[m.material_id].items()},
                "monte_carlo": mc_rows(mc_best, i),
                "monte_carlo_rule_60_days": mc_rows(mc_rule, i),
            }
        )

    def usd(r: Any) -> dict[str, Any]:
        return {
            "objective_usd": round(r.objective_usd, 2),
            "expected_unserved_usd": round(r.expected_unserved_usd, 2),
            "holding_usd": round(r.holding_usd, 2),
            "spend_usd": {k: round(v, 2) for k, v in r.spend_usd.items()},
        }

    def mc_total(res: Any) -> float:
        w = np.array([m.unit_value_usd_per_t * a.price_shock * m.importance for m in mats])
        return round(float((res.expected_unserved_t * w[:, None]).sum()), 2)

    return {
        "as_of": as_of.isoformat(),
        "assumptions_version": a.version,
        "ladder_version": ladder.version,
        "inputs_note": "budgets and exchange rates are user inputs; consumption is apparent "
        "(public data) unless entered; stocks held are the user's entries (default none)",
        "budget": {
            "KRW": budget_krw,
            "JPY": budget_jpy,
            "KRW_per_USD": krw_per_usd,
            "JPY_per_USD": jpy_per_usd,
            "KR_usd": round(bud.kr_usd, 2),
            "JP_usd": round(bud.jp_usd, 2),
            "pool_share_kr": pool_share_kr,
        },
        "solver": {
            "status": best.status,
            "seconds": round(best.solve_s, 4),
            "variables": best.n_vars,
            "rows": best.n_rows,
            "mip": best.is_mip,
            "scenarios": len(scen),
        },
        "plan": usd(best),
        "rule_60_days": usd(rule),
        "marginal_value_per_usd_of_budget": {k: round(v, 4) for k, v in marginal.items()},
        "monte_carlo": {
            "paths": paths,
            "seed": seed,
            "expected_unserved_usd_plan": mc_total(mc_best),
            "expected_unserved_usd_rule_60_days": mc_total(mc_rule),
        },
        "materials": rows,
        "skipped": skipped,
    }
