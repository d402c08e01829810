"""Measures services: the supply-measures registry as known on a date, with each measure's
status then (in force, announced, suspended until ..., suspension expired and unverified,
lifted, ...)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from supplywatch.alerts.measures import measure_states
from supplywatch.catalog.countries import country_name, encode_iso3
from supplywatch.catalog.tables import TABLES
from supplywatch.errors import ConfigError
from supplywatch.services.data import DataServices
from supplywatch.store.pit import as_of_sql


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, pd.Timestamp):
        return str(v.date())
    if isinstance(v, date):
        return v.isoformat()
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v.item() if hasattr(v, "item") and not isinstance(v, str) else v


class MeasuresServices(DataServices):
    """The registry, read as of a date through the point-in-time rule; notices read by the
    extractor."""

    @staticmethod
    def extract_notices(paths: list[Path]) -> list[dict[str, Any]]:
        """What the rules find in each notice text file (nothing is stored)."""
        from supplywatch.notices.extract import extract_file

        return [extract_file(p) for p in paths]

    @staticmethod
    def extract_notice(text: str) -> dict[str, Any]:
        """What the rules find in one notice text, field by field with spans."""
        from supplywatch.notices.extract import extract

        return extract(text).as_dict()

    @staticmethod
    def draft_measure(
        extraction: dict[str, Any], **context: Any
    ) -> tuple[dict[str, Any], list[str]]:
        """A registry entry drafted from an extraction, and the questions it leaves open."""
        from supplywatch.notices.draft import draft_entry

        return draft_entry(extraction, **context)

    @staticmethod
    def evaluate_notices(folder: Path, labels: Path) -> dict[str, Any]:
        """Extraction accuracy per field on a labelled folder of notices."""
        from supplywatch.notices.evaluate import evaluate, load_labels

        return evaluate(folder, load_labels(labels))

    @staticmethod
    def notice_table(scores: dict[str, Any]) -> list[dict[str, Any]]:
        from supplywatch.notices.evaluate import table

        return table(scores)

    @staticmethod
    def notice_docs(source: str, snapshot: Path) -> list[Any]:
        """The notices of a connector's snapshot (read from its files only)."""
        from supplywatch.notices.connectors import connector

        return list(connector(source).parse(snapshot))

    def fetch_notices(self, source: str, query: dict[str, str]) -> Path:
        """Fetch a notice source (network) into a snapshot; its path."""
        from supplywatch.notices.connectors import connector
        from supplywatch.sources.http import HttpClient

        mod = connector(source)
        with HttpClient.from_settings(self.settings) as client:
            return Path(mod.fetch(client, self.settings.snapshot_dir, self.clock.now(), **query))

    def measure_evidence(
        self, row: dict[str, Any], snapshots: dict[str, str]
    ) -> dict[str, Any] | None:
        """The measures part of an evidence bundle (None when no measure is active on the
        row's item for its importer)."""
        from supplywatch.alerts.measures import targets_importer

        text = row.get("active_measures_text")
        if text is None or (isinstance(text, float) and pd.isna(text)):
            return None
        day = pd.Timestamp(row["available_date"]).date()
        item, importer = str(row["item_id"]), str(row["importer_id"])
        key = (self.store_stamp(), day)
        cache: dict[Any, list[dict[str, Any]]] = self.__dict__.setdefault("_measures_memo", {})
        if key not in cache:
            cache.clear()
            cache[key] = self.measures(day)
        notices = []
        for m in cache[key]:
            if not m["is_active"] or item not in m["materials"]:
                continue
            if not targets_importer(";".join(m["targets"]), m["imposer_id_iso3"], importer):
                continue
            notices.append(
                {
                    "measure_id": m["measure_id"],
                    "legal_reference": m["legal_reference"],
                    "imposer": m["imposer_id_iso3"],
                    "published_date": m["published_date"],
                    "known_since": m["known_since"],
                    "status_on_date": m["status_on_date"],
                    "clauses": [
                        {k: c[k] for k in ("clause_id", "measure_type", "effective_date")}
                        for c in m["clauses"]
                        if item in c["materials"]
                    ],
                    "source_url": m["source_url"],
                    "source_kind": m["source_kind"],
                    "quote": m["quote"],
                    "review": m["review"],
                }
            )
        floor = row.get("measure_floor_level")
        share = row.get("measure_exposure_share")
        return {
            "summary": text,
            "exposure_share": None if share is None or pd.isna(share) else round(float(share), 4),
            "floor_level": None if floor is None or pd.isna(floor) else int(floor),
            "under_review": bool(row.get("is_measure_review") or False),
            "table": "core_measures__measures",
            "snapshot_id": snapshots.get("measures"),
            "notices": notices,
        }

    def _known(self, table: str, when: date) -> pd.DataFrame:
        with self._store(read_only=True) as con:
            df = con.execute(f"SELECT * FROM ({as_of_sql(TABLES[table], when)})").df()
        for c in df.columns:
            if c.endswith("_date"):
                df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
        return df

    def measures(
        self,
        as_of: date,
        imposer: str | None = None,
        material: str | None = None,
        active: bool = False,
        measure_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Measures known on ``as_of`` (newest first), each with its clauses, materials,
        codes, links and its status on that date; filters: imposer (ISO3), material (id or
        name), active controls only, one measure."""
        self.check_as_of(as_of)
        imp = encode_iso3(imposer) if imposer else None
        mat = self.resolve_item(material) if material else None
        m = self._known("core_measures__measures", as_of)
        c = self._known("core_measures__clauses", as_of)
        cm = self._known("core_measures__clause_materials", as_of)
        cc = self._known("core_measures__clause_codes", as_of)
        ev = self._known("core_measures__status_events", as_of)
        ln = self._known("core_measures__links", as_of)
        if measure_id is not None and measure_id not in set(m["measure_id"]):
            raise ConfigError(f"no measure {measure_id!r} known on {as_of}")
        day = pd.Timestamp(as_of)
        clauses = c.merge(
            m[["measure_id", "available_date"]].rename(columns={"available_date": "known"}),
            on="measure_id",
        ).assign(available_date=lambda d: d["known"])
        states = measure_states(clauses, ev, pd.DatetimeIndex([day]))
        state = {r.measure_id: r for r in states.itertuples()}
        out = []
        for r in m.sort_values(["available_date", "measure_id"], ascending=[False, True]).to_dict(
            "records"
        ):
            mid = r["measure_id"]
            mine = c[c["measure_id"] == mid]
            mats = sorted(set(cm[cm["measure_id"] == mid]["material_id"]))
            st = state.get(mid)
            is_control = bool((mine["measure_class_code"] == "control").any())
            is_active = bool(st is not None and st.is_active and is_control)
            if imp and r["imposer_id_iso3"] != imp:
                continue
            if mat and mat not in mats:
                continue
            if active and not is_active:
                continue
            if measure_id and mid != measure_id:
                continue
            out.append(
                {
                    "measure_id": mid,
                    "imposer_id_iso3": r["imposer_id_iso3"],
                    "imposer_name": country_name(r["imposer_id_iso3"]),
                    "legal_reference": _clean(r["legal_reference_text"]),
                    "title": _clean(r["title_text"]),
                    "issuers": None
                    if _clean(r["issuers_text"]) is None
                    else str(r["issuers_text"]).split(";"),
                    "language": _clean(r["language_code"]),
                    "published_date": _clean(r["published_date"]),
                    "first_reported_date": _clean(r["first_reported_date"]),
                    "known_since": _clean(r["available_date"]),
                    "targets": str(r["targets_text"]).split(";"),
                    "types": sorted(set(mine["measure_type_code"])),
                    "effective_date": _clean(mine["effective_date"].min())
                    if mine["effective_date"].notna().any()
                    else None,
                    "is_control": is_control,
                    "status_on_date": None if st is None else st.state,
                    "is_active": is_active,
                    "is_review": bool(st is not None and st.is_review),
                    "materials": mats,
                    "source_url": r["source_url"],
                    "source_kind": r["source_kind_code"],
                    "quote": _clean(r["quote_text"]),
                    "review": _clean(r["review_text"]),
                    "note": _clean(r["note_text"]),
                    "clauses": [
                        {
                            "clause_id": x["clause_id"],
                            "item_group": _clean(x["item_group_text"]),
                            "measure_type": x["measure_type_code"],
                            "effective_date": _clean(x["effective_date"]),
                            "quantity": _clean(x["quantity_text"]),
                            "materials": sorted(
                                set(
                                    cm[
                                        (cm["measure_id"] == mid)
                                        & (cm["clause_id"] == x["clause_id"])
                                    ]["material_id"]
                                )
                            ),
                            "codes": [
                                {
                                    "code": k["national_code_text"],
                                    "hs6": _clean(k["product_id_hs6"]),
                                    "hs_revision": k["hs_revision_code"],
                                    "is_typo": bool(k["is_code_typo"]),
                                }
                                for k in cc[
                                    (cc["measure_id"] == mid) & (cc["clause_id"] == x["clause_id"])
                                ].to_dict("records")
                            ],
                        }
                        for x in mine.sort_values("clause_id").to_dict("records")
                    ],
                    "status_history": [
                        {
                            "status": e["status_code"],
                            "from": _clean(e["from_date"]),
                            "to": _clean(e["to_date"]),
                            "by": _clean(e["by_measure_id"]),
                            "known_since": _clean(e["available_date"]),
                            "source_url": _clean(e["source_url"]),
                        }
                        for e in ev[ev["measure_id"] == mid]
                        .sort_values("event_seq")
                        .to_dict("records")
                    ],
                    "links": [
                        {"measure_id": x["linked_measure_id"], "relation": x["relation_code"]}
                        for x in ln[ln["measure_id"] == mid].to_dict("records")
                    ],
                    "linked_by": [
                        {"measure_id": x["measure_id"], "relation": x["relation_code"]}
                        for x in ln[ln["linked_measure_id"] == mid].to_dict("records")
                    ],
                }
            )
        return out

    # --- confirmed events from the review queue ------------------------------------------------
    def confirmed_dir(self) -> Path:
        """Where measures confirmed in the review queue are written (one YAML file each, the
        notice text beside it in ``notices/``); part of the registry (``measures_dirs``)."""
        return self.settings.snapshot_dir / "measures"

    def check_measure(self, entry: dict[str, Any]) -> None:
        """Validate one registry entry against the whole registry as it is on disk (a clash
        of ids, a link to an unknown measure, an unknown material or code: DataError naming
        the field)."""
        import tempfile

        import yaml

        from supplywatch.items import loader
        from supplywatch.pipeline.measures_step import registry_files
        from supplywatch.sources import measures as reg

        files = registry_files(self.measures_dirs())
        with tempfile.TemporaryDirectory() as tmp:
            draft = Path(tmp) / "draft.yaml"
            draft.write_text(
                yaml.safe_dump([entry], allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
            reg.load_registry(
                [*files, draft],
                {m.material_id for m in loader.load_materials()},
                reg.hs_reference(self.settings.hs_reference_file),
            )

    def add_confirmed_measure(self, entry: dict[str, Any], notice_text: str) -> Path:
        """Write a confirmed measure (validated first) and its notice into the registry and
        load it: the store holds it, and its out layer, when this returns. On any failure the
        files are removed again and the store is as it was."""
        import hashlib

        import yaml

        self.check_measure(entry)
        d = self.confirmed_dir()
        (d / "notices").mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256(notice_text.encode("utf-8")).hexdigest()
        notice = d / "notices" / f"{sha}.txt"
        had_notice = notice.exists()
        if not had_notice:
            notice.write_text(notice_text, encoding="utf-8")
        path = d / f"{entry['measure_id']}.yaml"
        if path.exists():
            raise ConfigError(f"{path} exists already: measure {entry['measure_id']!r}")
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(
            "# Confirmed in the supplywatch review queue; do not edit by hand: confirm a new\n"
            "# notice instead (a later measure's link can suspend or lift this one).\n"
            + yaml.safe_dump([entry], allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        tmp.replace(path)
        try:
            self.ingest(["measures"])
        except BaseException:
            path.unlink(missing_ok=True)
            if not had_notice:
                notice.unlink(missing_ok=True)
            raise
        return path
