"""Risk services: the out layer read as of a date (screen, explain, levels, back-test).

Everything here reads the out tables through store/pit.py's rule; nothing recomputes them.
The importers the service watches are in the store (built at every ingest); any other
importer, or the Spark engine, gets the same out tables built now into a temporary database
by the same functions, so a screen and an explanation can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from supplywatch.alerts import backtest as bt
from supplywatch.alerts import calibrate as cal
from supplywatch.alerts import explain as ex
from supplywatch.alerts.model import Ladder, load_ladder
from supplywatch.catalog.countries import country_name
from supplywatch.catalog.importers import SERVICE_IMPORTER_IDS, encode_importer
from supplywatch.catalog.out import FACTORS, OUT_TABLES, factor_column
from supplywatch.catalog.tables import TABLES, ddl
from supplywatch.errors import ConfigError
from supplywatch.items import loader
from supplywatch.services.measures import MeasuresServices
from supplywatch.store.pit import as_of_sql, latest_on_grid, latest_sql

KINDS = {"materials": "material", "hs": "hs6"}
ENGINES = ("duckdb", "spark")
F = "out_supplywatch__monthly_factors"
L = "out_supplywatch__monthly_levels"
_MEASURE_SUMMARY = (
    "measure_id",
    "imposer_id_iso3",
    "imposer_name",
    "title",
    "is_control",
    "effective_date",
    "source_kind",
    "legal_reference",
    "types",
    "targets",
    "known_since",
    "status_on_date",
    "is_active",
    "is_review",
    "source_url",
)
_STATE_ORDER = {"scored": 0, "partial": 0, "stale": 1, "no_data": 2}
_TRADE_EVIDENCE = {
    "import_value_kusd",
    "top_supplier_id_iso3",
    "top_supplier_share",
    "china_share",
    "supplier_hhi",
    "is_kita_screen",
    "is_absolute_dependence",
    "is_immaterial_imports",
}

#: HS2022 code -> the HS1992 codes its content came from, walking the concordance back one
#: revision at a time (material_id = the HS1992 code, product_id_hs6 = the HS2022 code).
HS2022_TO_HS1992_SQL = """
    WITH RECURSIVE back(rev, code, h6) AS (
        SELECT 'H6', product_id_hs6, product_id_hs6 FROM core_hs__products
        WHERE hs_revision_code = 'H6'
        UNION
        SELECT c.from_revision_code, c.from_product_id_hs6, b.h6
        FROM back b JOIN core_hs__concordance c
          ON c.to_revision_code = b.rev AND c.to_product_id_hs6 = b.code)
    SELECT DISTINCT code AS material_id, h6 AS product_id_hs6 FROM back WHERE rev = 'H0'
"""


def _kind(items: str) -> str:
    if items not in KINDS:
        raise ConfigError(f"unknown item kind {items!r}; choose materials or hs")
    return KINDS[items]


def _engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; choose duckdb or spark")
    return engine


def _num(v: Any, nd: int = 4) -> float | None:
    return None if v is None or pd.isna(v) else round(float(v), nd)


def _day(v: Any) -> str | None:
    return None if v is None or pd.isna(v) else str(pd.Timestamp(v).date())


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if _isna(v) else v) for k, v in r.items()} for r in df.to_dict("records")]


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


class RiskServices(MeasuresServices):
    """The risk engine's products, as of a date."""

    def ladder(self) -> Ladder:
        return load_ladder()

    # --- where the out tables are --------------------------------------------------------
    def out_status(self) -> Any:
        from supplywatch.pipeline.out import out_status

        with self._store(read_only=True) as con:
            return out_status(con)

    def _require_current(self, con: duckdb.DuckDBPyConnection) -> None:
        from supplywatch.pipeline.out import out_status

        st = out_status(con)
        if st.built is None:
            raise ConfigError(
                "the store holds no risk-engine results yet: run `supplywatch ingest`"
            )
        if not st.is_current:
            raise ConfigError(
                "the risk engine's results in the store were built from other inputs or another "
                "ladder version than the current ones: run `supplywatch ingest` to rebuild them"
            )

    @contextmanager
    def _out(
        self, importers: list[str], kind: str, engine: str = "duckdb"
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection whose out tables hold ``importers``: the store itself for the
        service's importers on DuckDB, else a temporary database built now."""
        if _engine(engine) == "duckdb" and set(importers) <= set(SERVICE_IMPORTER_IDS):
            with self._store(read_only=True) as con:
                self._require_current(con)
                yield con
            return
        frames = self._build_out(importers, kind, engine)
        from supplywatch.pipeline.out import write_out

        mem = duckdb.connect(":memory:")
        try:
            for t in OUT_TABLES:
                mem.execute(ddl(t))
            write_out(mem, "memory", frames)
            yield mem
        finally:
            mem.close()

    def _build_out(self, importers: list[str], kind: str, engine: str) -> dict[str, pd.DataFrame]:
        import ibis

        from supplywatch.pipeline.out import compute_out

        with self._store(read_only=True) as con:
            if engine == "duckdb":
                return compute_out(ibis.duckdb.from_connection(con), importers, (kind,))
            import tempfile

            from supplywatch.indicators.frames import INDICATOR_TABLES
            from supplywatch.store.spark_store import export_tables, spark_backend, spark_session

            with tempfile.TemporaryDirectory() as d:
                session = spark_session()
                try:
                    backend = spark_backend(
                        session, export_tables(con, list(INDICATOR_TABLES), Path(d))
                    )
                    return compute_out(backend, importers, (kind,))
                finally:
                    session.stop()

    # --- reads -----------------------------------------------------------------------------
    @staticmethod
    def _current(
        con: duckdb.DuckDBPyConnection, kind: str, importers: list[str], when: date
    ) -> pd.DataFrame:
        """Per item and importer: the factors and the level in force on ``when``."""
        marks = ", ".join("?" * len(importers))
        return con.execute(
            f"""SELECT f.*, l.alert_level, l.baseline_alert_level, l.previous_alert_level,
                l.level_since_date, l.detection_floor_level
            FROM ({as_of_sql(TABLES[F], when)}) f
            JOIN ({as_of_sql(TABLES[L], when)}) l
              USING (item_kind_code, item_id, importer_id)
            WHERE f.item_kind_code = ? AND f.importer_id IN ({marks})""",
            [kind, *importers],
        ).df()

    @staticmethod
    def _changes(
        con: duckdb.DuckDBPyConnection, kind: str, importers: list[str], when: date, item: str
    ) -> pd.DataFrame:
        """Level (and state) changes up to ``when``, with the factors behind each."""
        marks = ", ".join("?" * len(importers))
        return con.execute(
            f"""SELECT * FROM (
                SELECT f.*, l.alert_level, l.previous_alert_level, l.level_since_date,
                    l.detection_floor_level, l.is_level_change, lag(f.item_state_code) OVER (
                        PARTITION BY l.item_id, l.importer_id ORDER BY l.available_date
                    ) AS _previous_state
                FROM {L} l JOIN {F} f
                  USING (item_kind_code, item_id, importer_id, available_date)
                WHERE l.item_kind_code = ? AND l.importer_id IN ({marks}) AND l.item_id = ?
                  AND l.available_date <= ?)
            WHERE is_level_change OR item_state_code IS DISTINCT FROM _previous_state
            ORDER BY available_date""",
            [kind, *importers, item, when],
        ).df()

    def _names(self, kind: str) -> dict[str, dict[str, str | None]]:
        """Item -> names, from the catalog as loaded in the store (or HS descriptions)."""
        with self._store(read_only=True) as con:
            if kind == "material":
                return {
                    str(i): {"en": en, "ko": ko, "ja": ja}
                    for i, en, ko, ja in con.execute(
                        "SELECT material_id, name_en, name_ko, name_ja "
                        "FROM core_supplywatch__materials ORDER BY material_id"
                    ).fetchall()
                }
            rows = con.execute(
                "SELECT DISTINCT p.product_id_hs6, p.product_description FROM core_hs__products p "
                "JOIN (SELECT DISTINCT product_id_hs6 FROM core_baci__yearly_trade) b "
                "USING (product_id_hs6) WHERE p.hs_revision_code = 'H0'"
            ).fetchall()
        return {str(c): {"en": str(d), "ko": None, "ja": None} for c, d in rows}

    def _coverage(
        self, con: duckdb.DuckDBPyConnection, kind: str, importer: str, when: date
    ) -> dict[str, dict[str, Any]]:
        """Per item: coverage as of ``when`` (codes with data by then, stage unit values of
        the latest year known)."""
        if kind != "material":
            return {}
        cov = con.execute(
            "SELECT *, coalesce(first_available_date <= ?, false) AS has_data "
            "FROM out_supplywatch__item_coverage WHERE item_kind_code = ? "
            "ORDER BY item_id, stage_code, product_id_hs6",
            [when, kind],
        ).df()
        t = TABLES["out_supplywatch__yearly_stage_imports"]
        stages = con.execute(
            f"SELECT * FROM ({latest_sql(t, when, 'ref_year')}) "
            "WHERE item_kind_code = ? AND importer_id = ? ORDER BY item_id, stage_code",
            [kind, importer],
        ).df()
        by_item = dict(tuple(stages.groupby("item_id"))) if not stages.empty else {}
        return {
            str(item): ex.coverage_summary(g, by_item.get(item, stages.iloc[0:0]))
            for item, g in cov.groupby("item_id")
        }

    # --- screen ----------------------------------------------------------------------------
    def screen(
        self,
        importer: str,
        as_of: date,
        top: int | None = None,
        engine: str = "duckdb",
        items: str = "materials",
        states: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Every item for one importer (KOR, JPN, BLOC or any ISO3) on a date, each in its
        state: scored and partial items ranked by the risk model's probability (then the
        baseline score) with level and main driver, then the stale ones, then those without
        data, each with its reason."""
        kind = _kind(items)
        imp = encode_importer(importer)
        self.check_as_of(as_of)
        bad = set(states or []) - set(_STATE_ORDER)
        if bad:
            raise ConfigError(f"unknown state(s) {sorted(bad)}; choose {', '.join(_STATE_ORDER)}")
        ladder = load_ladder()
        with self._out([imp], kind, engine) as con:
            now = self._current(con, kind, [imp], as_of)
            coverage = self._coverage(con, kind, imp, as_of)
        names = self._names(kind)
        rows = {r["item_id"]: r for r in _records(now)}
        out = [
            self._screen_row(
                rows.get(item) or _no_row(item, imp, as_of, ladder), n, coverage.get(item), ladder
            )
            for item, n in names.items()
        ]
        out.sort(
            key=lambda r: (
                _STATE_ORDER[r["item_state_code"]],
                -(r["risk_probability_share"] if r["risk_probability_share"] is not None else -1),
                -(round(r["score_points"], 6) if r["score_points"] is not None else -1.0),
                r["item_id"],
            )
        )
        if states:
            out = [r for r in out if r["item_state_code"] in states]
        return out[:top] if top else out

    @staticmethod
    def _screen_row(
        r: dict[str, Any],
        names: dict[str, str | None],
        coverage: dict[str, Any] | None,
        ladder: Ladder,
    ) -> dict[str, Any]:
        level = int(r.get("alert_level") or 0)
        shared = [] if not r.get("shared_with_text") else str(r["shared_with_text"]).split(";")
        if r["item_state_code"] != "scored":  # trade past its limit (or none) is not shown as now
            r = {k: (None if k in _TRADE_EVIDENCE else v) for k, v in r.items()}
        return {
            "item_id": r["item_id"],
            "name_en": names.get("en"),
            "name_ko": names.get("ko"),
            "name_ja": names.get("ja"),
            "importer_id": r["importer_id"],
            "item_state_code": r["item_state_code"],
            "state_reason_text": r.get("state_reason_text"),
            "fill_command_text": r.get("fill_command_text"),
            "data_as_of_date": _day(r.get("available_date")),
            "score_points": _num(r.get("score_points"), 1),
            "risk_probability_share": _num(r.get("risk_probability_share"), 4),
            "baseline_alert_level": int(r.get("baseline_alert_level") or 0),
            "alert_level": level,
            "level_code": ladder.levels[level - 1].code if level else "none",
            "level_ko": ladder.level_name(level, "ko"),
            "level_en": ladder.level_name(level, "en"),
            "level_ja": ladder.level_name(level, "ja"),
            "level_since_date": _day(r.get("level_since_date")) if level else None,
            "main_driver_code": r.get("main_driver_code"),
            "confidence_share": _num(r.get("confidence_share"), 2),
            "missing_factors_text": r.get("missing_factors_text"),
            "trade_year": None if r.get("trade_year") is None else int(r["trade_year"]),
            "trade_available_date": _day(r.get("trade_available_date")),
            "import_value_kusd": _num(r.get("import_value_kusd"), 1),
            "top_supplier_id_iso3": r.get("top_supplier_id_iso3"),
            "top_supplier_name": country_name(r.get("top_supplier_id_iso3")),
            "top_supplier_share": _num(r.get("top_supplier_share")),
            "china_share": _num(r.get("china_share")),
            "supplier_hhi": _num(r.get("supplier_hhi")),
            "production_year": None
            if r.get("production_year") is None
            else int(r["production_year"]),
            "production_hhi": _num(r.get("production_hhi")),
            "china_production_share": _num(r.get("china_production_share")),
            "is_kita_screen": bool(r.get("is_kita_screen") or False),
            "is_absolute_dependence": bool(r.get("is_absolute_dependence") or False),
            "is_immaterial_imports": bool(r.get("is_immaterial_imports") or False),
            "is_shared_code": bool(r.get("is_shared_code") or False),
            "shared_with_text": r.get("shared_with_text"),
            "shared_count": len(shared) + 1 if shared else 1,
            "coverage_text": None if coverage is None else coverage["text"],
            "active_measures_text": r.get("active_measures_text"),
            "measure_exposure_share": _num(r.get("measure_exposure_share")),
            "measure_floor_level": int(r.get("measure_floor_level") or 0),
            "is_measure_review": bool(r.get("is_measure_review") or False),
            "imposer_momentum_share": _num(r.get("imposer_momentum_share")),
            "momentum_text": r.get("momentum_text"),
            "monthly_period_start_date": _day(r.get("monthly_period_start_date")),
            "monthly_signal_share": _num(r.get("monthly_signal_share")),
            "monthly_signal_text": r.get("monthly_signal_text"),
            **{factor_column(f): _num(r.get(factor_column(f))) for f in FACTORS},
            "ladder_version_code": r.get("ladder_version_code") or ladder.version,
        }

    # --- explain ---------------------------------------------------------------------------
    def explain(
        self,
        item: str,
        importer: str,
        as_of: date,
        engine: str = "duckdb",
        items: str = "materials",
    ) -> dict[str, Any]:
        """State, factors, supplier shares over time, production concentration, coverage,
        level history and evidence for one item and importer."""
        kind = _kind(items)
        imp = encode_importer(importer)
        self.check_as_of(as_of)
        item_id = self.resolve_item(item) if kind == "material" else item
        names = self._names(kind)
        if item_id not in names:
            raise ConfigError(f"unknown item {item!r}")
        ladder = load_ladder()
        snaps = self.snapshot_ids()
        with self._out([imp], kind, engine) as con:
            now = self._current(con, kind, [imp], as_of)
            now = now[now["item_id"] == item_id]
            changes = self._changes(con, kind, [imp], as_of, item_id)
            history = con.execute(
                f"SELECT available_date, item_state_code, score_points, alert_level FROM {L} "
                "WHERE item_kind_code = ? AND importer_id = ? AND item_id = ? "
                "AND available_date <= ? AND day(available_date) = 1 ORDER BY available_date",
                [kind, imp, item_id, as_of],
            ).df()
            shares = con.execute(
                "SELECT * FROM out_supplywatch__supplier_shares WHERE item_kind_code = ? "
                "AND importer_id = ? AND item_id = ? AND available_date <= ?",
                [kind, imp, item_id, as_of],
            ).df()
            prod = con.execute(
                "SELECT * FROM out_supplywatch__yearly_production WHERE item_kind_code = ? "
                "AND item_id = ? AND available_date <= ?",
                [kind, item_id, as_of],
            ).df()
            coverage = self._coverage(con, kind, imp, as_of).get(item_id)
        row = _records(now)[0] if len(now) else None
        out = ex.explain(
            row,
            changes,
            history,
            shares,
            prod,
            coverage,
            item_id,
            names[item_id],
            imp,
            as_of,
            ladder,
            snaps,
        )
        if kind == "material":
            known = self.measures(as_of, material=item_id)
            from supplywatch.alerts.measures import targets_importer

            out["measures"] = [
                {
                    **{k: m[k] for k in _MEASURE_SUMMARY},
                    "applies_to_importer": targets_importer(
                        ";".join(m["targets"]), m["imposer_id_iso3"], imp
                    ),
                }
                for m in known
            ]
            out["active_measures"] = None if row is None else row.get("active_measures_text")
            out["measure_floor_level"] = (
                0 if row is None else int(row.get("measure_floor_level") or 0)
            )
        return out

    @staticmethod
    def explain_chart(exp: dict[str, Any]) -> str:
        """The offline HTML chart of an explanation."""
        return ex.chart_html(exp)

    # --- for the service: levels, evidence, dependence --------------------------------------
    def current_levels(self, as_of: date, importers: list[str] | None = None) -> pd.DataFrame:
        """Per catalog material and service importer: the row in force on ``as_of`` (state,
        score, level, since when, factors and evidence columns)."""
        imps = importers or list(SERVICE_IMPORTER_IDS)
        with self._out(imps, "material") as con:
            return self._current(con, "material", imps, as_of)

    def last_changes(self, as_of: date, importers: list[str] | None = None) -> pd.DataFrame:
        """Per catalog material and service importer: the last level change on or before
        ``as_of``, with the factors behind it (the evidence of an alert)."""
        imps = importers or list(SERVICE_IMPORTER_IDS)
        marks = ", ".join("?" * len(imps))
        with self._out(imps, "material") as con:
            return con.execute(
                f"""SELECT f.*, l.alert_level, l.previous_alert_level, l.level_since_date
                FROM {L} l JOIN {F} f USING (item_kind_code, item_id, importer_id, available_date)
                WHERE l.item_kind_code = 'material' AND l.importer_id IN ({marks})
                  AND l.is_level_change AND l.available_date <= ?
                QUALIFY row_number() OVER (
                    PARTITION BY l.item_id, l.importer_id ORDER BY l.available_date DESC) = 1""",
                [*imps, as_of],
            ).df()

    def evidence(self, row: dict[str, Any], snapshots: dict[str, str]) -> dict[str, Any]:
        """The evidence bundle of a level change row; with the supply measures in force for
        that importer then: each measure, its clauses on the item and its notice."""
        out = ex.level_change_evidence(row, load_ladder(), snapshots)
        out["measures"] = self.measure_evidence(row, snapshots)
        return out

    def latest_dependence(self, as_of: date, importers: list[str] | None = None) -> pd.DataFrame:
        """Per material and importer: the newest year of import dependence (with apparent
        consumption) known on ``as_of``."""
        imps = importers or list(SERVICE_IMPORTER_IDS)
        t = TABLES["out_supplywatch__yearly_dependence"]
        marks = ", ".join("?" * len(imps))
        with self._out(imps, "material") as con:
            return con.execute(
                f"SELECT * FROM ({latest_sql(t, as_of, 'ref_year')}) "
                f"WHERE item_kind_code = 'material' AND importer_id IN ({marks})",
                imps,
            ).df()

    def dependence(self, item: str, importer: str, as_of: date) -> list[dict[str, Any]]:
        """Import dependence of one item per year, as known on ``as_of``."""
        imp = encode_importer(importer)
        self.check_as_of(as_of)
        t = TABLES["out_supplywatch__yearly_dependence"]
        with self._out([imp], "material") as con:
            df = con.execute(
                f"SELECT * FROM ({as_of_sql(t, as_of)}) WHERE item_kind_code = 'material' "
                "AND item_id = ? AND importer_id = ? ORDER BY ref_year",
                [item, imp],
            ).df()
        return [_jsonable(r) for r in _records(df)]

    def production(self, item: str, as_of: date) -> list[dict[str, Any]]:
        """World production concentration of one material per year, as known on ``as_of``."""
        self.check_as_of(as_of)
        t = TABLES["out_supplywatch__yearly_production"]
        with self._store(read_only=True) as con:
            self._require_current(con)
            df = con.execute(
                f"SELECT * FROM ({as_of_sql(t, as_of)}) WHERE item_kind_code = 'material' "
                "AND item_id = ? ORDER BY ref_year",
                [item],
            ).df()
        return [_jsonable(r) for r in _records(df)]

    # --- back-test and calibration --------------------------------------------------------
    def levels_on(
        self,
        dates: list[date],
        importers: list[str],
        kind: str,
        engine: str = "duckdb",
        model: str = "production",
    ) -> pd.DataFrame:
        """Per item, importer and date asked: the state, score, probability, levels and trade
        year in force then (the point-in-time rule on a grid of dates). ``model="split"``:
        probabilities and levels of the ladder's time-split fit instead of the production fit,
        recomputed from the stored factors by the same code."""
        marks = ", ".join("?" * len(importers))
        with self._out(importers, kind, engine) as con:
            if model == "production":
                lv = con.execute(
                    f"""SELECT l.item_id, l.importer_id, l.available_date, l.item_state_code,
                           l.score_points, l.risk_probability_share, l.alert_level,
                           l.baseline_alert_level, f.trade_year
                    FROM {L} l JOIN {F} f
                    USING (item_kind_code, item_id, importer_id, available_date)
                    WHERE l.item_kind_code = ? AND l.importer_id IN ({marks})""",
                    [kind, *importers],
                ).df()
            else:
                lv = self._relevel(con, kind, importers, model)
        lv["available_date"] = pd.to_datetime(lv["available_date"])
        keys = lv[["item_id", "importer_id"]].drop_duplicates()
        grid = keys.merge(
            pd.DataFrame({"as_of_date": pd.to_datetime(sorted(set(dates)))}), how="cross"
        )
        got = latest_on_grid(lv, ["item_id", "importer_id"], "available_date", grid, "as_of_date")
        return got.merge(
            lv, on=["item_id", "importer_id", "available_date"], how="left", validate="m:1"
        )

    def backtest(
        self,
        events_file: Path,
        importers: list[str] | None = None,
        end: date | None = None,
        engine: str = "duckdb",
        items: str = "materials",
        model: str = "production",
    ) -> bt.BacktestResult:
        """Back-test the ladder on an events CSV, reading the out layer as of each date.
        Affected items: the materials an event names, on its HS codes (see
        alerts/backtest.affected_items); with ``items="hs"``, its HS codes walked back to
        HS1992."""
        kind = _kind(items)
        events = bt.read_events(events_file)
        ladder = load_ladder()
        imps = [encode_importer(i) for i in (importers or list(SERVICE_IMPORTER_IDS))]
        last = end or self.today()
        dates = {d.date() for d in pd.date_range(ladder.history_start, last, freq="MS")}
        dates |= {d for d in bt.dates_needed(events) if d <= last}
        with self._store(read_only=True) as con:
            if kind == "hs6":
                links = con.execute(HS2022_TO_HS1992_SQL).df()
            else:
                links = con.execute(
                    "SELECT material_id, product_id_hs6 FROM core_supplywatch__material_products "
                    "WHERE hs_revision_code = 'H6'"
                ).df()
        linked = links.groupby("product_id_hs6")["material_id"].apply(set).to_dict()
        materials = loader.load_materials()
        affected = {
            ev.event_id: bt.affected_items(
                ev, loader.named_in(materials, ev.commodity), linked, kind
            )
            for ev in events
        }
        tl = self.levels_on(sorted(dates), imps, kind, engine, model)
        split = (ladder.model.fit.fit_end, ladder.model.fit.validate_start)
        res = bt.run(tl, events, ladder, affected, imps, split)
        res.summary["model_fit"] = model
        return res

    def _relevel(self, con: Any, kind: str, importers: list[str], model: str) -> pd.DataFrame:
        """The levels another fit of the ladder gives, from the stored factor rows."""
        from supplywatch.alerts import scoring

        ladder = load_ladder()
        marks = ", ".join("?" * len(importers))
        f = con.execute(
            f"SELECT * FROM {F} WHERE item_kind_code = ? AND importer_id IN ({marks})",
            [kind, *importers],
        ).df()
        f["available_date"] = pd.to_datetime(f["available_date"]).astype("datetime64[ns]")
        mad = pd.to_datetime(f["monthly_available_date"]).astype("datetime64[ns]")
        f["monthly_available_date"] = mad
        f["has_fresh_monthly"] = mad.notna() & (
            (f["available_date"] - mad).dt.days <= ladder.max_monthly_trade_age_days
        )
        f = scoring.model_probability(f, ladder, model)
        f = scoring.levels(f, ladder)
        return f[
            [
                "item_id",
                "importer_id",
                "available_date",
                "item_state_code",
                "score_points",
                "risk_probability_share",
                "alert_level",
                "baseline_alert_level",
                "trade_year",
            ]
        ]

    @staticmethod
    def write_model(fits: dict[str, Any]) -> None:
        """Write refitted coefficients into the ladder file (its comments kept)."""
        from supplywatch.alerts.model import LADDER_FILE

        cal.write_model(LADDER_FILE, fits)

    def fit_model(self) -> tuple[Any, dict[str, Any]]:
        """The risk model fitted by the ladder's documented rule (alerts/riskmodel.py) on the
        current store's out layer and registry: the fit and its report (selection, fit and
        validation metrics)."""
        from supplywatch.alerts import riskmodel

        ladder = load_ladder()
        cfg = ladder.model.fit
        with self._out(list(riskmodel.TRAIN_IMPORTERS), "material") as con:
            factors = con.execute(
                f"SELECT * FROM {F} WHERE item_kind_code = 'material' AND available_date "
                "BETWEEN ? AND ? AND day(available_date) = 1",
                [cfg.start, cfg.validate_end],
            ).df()
        with self._store(read_only=True) as con:
            clauses = con.execute(
                """SELECT cm.material_id AS item_id, c.measure_id, c.clause_id,
                          c.measure_class_code, m.imposer_id_iso3, m.targets_text,
                          m.available_date
                   FROM core_measures__clause_materials cm
                   JOIN core_measures__clauses c USING (measure_id, clause_id)
                   JOIN core_measures__measures m USING (measure_id)"""
            ).df()
        factors["available_date"] = pd.to_datetime(factors["available_date"])
        clauses["available_date"] = pd.to_datetime(clauses["available_date"])
        return riskmodel.fit_by_rule(factors, clauses, cfg, ladder.neutral, ladder.model.bands)

    def calibrate(self) -> dict[str, tuple[float, float]]:
        """Thresholds by the ladder's documented rule, on the current store."""
        ladder = load_ladder()
        start, end = ladder.calibration.window
        months = [d.date() for d in pd.date_range(start, end, freq="MS")]
        tl = self.levels_on(months, list(SERVICE_IMPORTER_IDS), "material")
        scores = tl[tl["item_state_code"] == "scored"]["score_points"].to_numpy(dtype=float)
        return cal.thresholds(scores, ladder)

    def calibrate_detection(self) -> float:
        """The detection floor's price z-score by the ladder's documented rule."""
        import ibis

        from supplywatch.indicators.signals import price_signals

        ladder = load_ladder()
        start, end = (pd.Timestamp(d) for d in ladder.calibration.window)
        with self._store(read_only=True) as con:
            t = ibis.duckdb.from_connection(con).table("core_pinksheet__monthly_prices")
            series = list(ladder.price_series.values())
            p = price_signals(t.filter(t.commodity_name_wb.isin(series)))
            df = p.select("period_start_date", "price_change_z").to_pandas()
        when = pd.to_datetime(df["period_start_date"])
        z = df.loc[(when >= start) & (when <= end), "price_change_z"]
        return cal.price_threshold(pd.to_numeric(z).to_numpy(dtype=float), ladder)


def _no_row(item: str, importer: str, when: date, ladder: Ladder) -> dict[str, Any]:
    return {
        "item_id": item,
        "importer_id": importer,
        "item_state_code": "no_data",
        "state_reason_text": f"nothing was known on {when} (the level history starts "
        f"{ladder.history_start})",
        "alert_level": 0,
    }


def _jsonable(r: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in r.items():
        if isinstance(v, pd.Timestamp | date):
            out[k] = str(pd.Timestamp(v).date())
        elif hasattr(v, "item"):
            out[k] = v.item()
        else:
            out[k] = v
    return out
