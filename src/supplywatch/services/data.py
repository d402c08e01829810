"""Data services: ingest (bundle and fetched snapshots), status, the item catalog, point-in-time
reads of any table, and the live connectors."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from supplywatch.catalog.tables import TABLES
from supplywatch.errors import ConfigError
from supplywatch.items import loader
from supplywatch.items.models import Material
from supplywatch.pipeline.bundle import ITEMS, ingest_bundle, load_manifest
from supplywatch.pipeline.ingest import IngestResult, Progress
from supplywatch.pipeline.out import OUT_SOURCE
from supplywatch.services.base import ServicesBase
from supplywatch.sources.registry import SOURCES
from supplywatch.store.pit import as_of_sql

#: Per source: the core table that carries its observations and the column giving the period.
_COVERAGE = {
    "hs": ("core_hs__products", "hs_revision_code"),
    "baci": ("core_baci__yearly_trade", "ref_year"),
    "wmd": ("core_wmd__yearly_production", "ref_year"),
    "wgi": ("core_wgi__yearly_governance", "ref_year"),
    "pinksheet": ("core_pinksheet__monthly_prices", "strftime(period_start_date, '%Y-%m')"),
    "items": ("core_supplywatch__materials", "NULL"),
    OUT_SOURCE: ("out_supplywatch__monthly_factors", "available_date"),
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


class DataServices(ServicesBase):
    """Loading and describing the data."""

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
                measures_dirs=self.measures_dirs(),
                hs_reference=self.settings.hs_reference_file,
            )

    def measures_dirs(self) -> list[Path]:
        """Where the registry's files are: the bundled registry and the events confirmed in
        the service's review queue."""
        return [self.settings.measures_dir, self.settings.snapshot_dir / "measures"]

    # --- status --------------------------------------------------------------------------------
    def status(self) -> list[SourceStatus]:
        """Per source: rows, period covered, freshness, licence."""
        manifest = load_manifest(self.settings.bundle_dir)
        out = []
        with self._store(read_only=True) as con:
            for name in [*SOURCES, ITEMS, OUT_SOURCE]:
                table, period = _COVERAGE[name]
                snap = con.execute(
                    "SELECT snapshot_id, vintage_code, loaded_at, licence_name, attribution_text "
                    "FROM core_supplywatch__snapshots WHERE source_name = ? "
                    "ORDER BY loaded_at DESC LIMIT 1",
                    [name],
                ).fetchall()
                has_avail = "available_date" in TABLES[table].fields
                avail = "max(available_date)" if has_avail else "NULL"
                # The out layer also holds the dates ahead on which today's data will pass
                # the ladder's age limits: its status counts the rows in force by today.
                until = "WHERE available_date <= ?" if name == OUT_SOURCE else ""
                row = con.execute(
                    f"SELECT count(*), min({period}), max({period}), {avail} FROM {table} {until}",
                    [self.today()] if until else [],
                ).fetchall()[0]
                s = snap[0] if snap else None
                title = (
                    SOURCES[name].title
                    if name in SOURCES
                    else {ITEMS: "Critical-item catalog", OUT_SOURCE: "Risk engine (out layer)"}[
                        name
                    ]
                )
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

    def resolve_item(self, query: str) -> str:
        """The material id ``query`` names (id, symbol, or a name in EN/KO/JA/ZH); an unknown
        name is an error that suggests the nearest spellings."""
        materials = loader.load_materials()
        hit = loader.resolve(materials, query)
        if hit is not None:
            return hit.material_id
        near = loader.suggest(materials, query)
        hint = (
            "; did you mean: "
            + ", ".join(f"{m.material_id} ({m.names.ko}, {m.names.ja})" for m in near)
            if near
            else ""
        )
        raise ConfigError(f"unknown material {query!r}{hint}? (see `supplywatch items`)")

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
