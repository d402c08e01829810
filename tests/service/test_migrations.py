"""Alembic migrations own the schema: upgrade from empty, models agree, downgrade works,
on SQLite and a real PostgreSQL server."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from supplywatch.state import db
from supplywatch.state.models import Base


def test_upgrade_matches_models_and_downgrades(db_url: str) -> None:
    engine = db.make_engine(db_url)
    try:
        assert db.current_revision(engine) is None
        db.upgrade(engine)
        db.upgrade(engine)  # idempotent
        assert db.current_revision(engine) == db.head_revision(engine) == "0005"
        with engine.connect() as con:
            diff = compare_metadata(
                MigrationContext.configure(con, opts={"compare_type": True}), Base.metadata
            )
            orgs = con.execute(text("SELECT code FROM organisations ORDER BY code")).all()
            targets = con.execute(
                text("SELECT org_code, item_id, target_days FROM stock_targets ORDER BY 1, 2")
            ).all()
        assert diff == []
        assert [o[0] for o in orgs] == ["JOINT", "JP", "KR"]
        assert targets == [
            ("JOINT", "*", 60.0),
            ("JP", "*", 60.0),
            ("KR", "*", 100.0),
            ("KR", "urea", 60.0),
        ]
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        command.downgrade(db.alembic_config(engine), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_0004_gives_old_system_entries_their_organisation(db_url: str) -> None:
    """Entries written before decision 0007 (no organisation) get the one whose data they
    concern: the alert's importer's, the webhook's; old evaluation totals go to JOINT."""
    engine = db.make_engine(db_url)
    try:
        command.upgrade(db.alembic_config(engine), "0003")
        at = "2026-11-24 00:00:00+00:00"
        with engine.begin() as con:
            con.execute(
                text(
                    "INSERT INTO evaluations (id, as_of_date, store_fingerprint, ladder_version,"
                    " trigger, started_at, n_items, n_changes) VALUES"
                    " (1, '2026-11-24', 'fp', 'v', 'manual', :at, 3, 3)"
                ),
                {"at": at},
            )
            for i, imp in enumerate(("KOR", "JPN", "BLOC"), start=1):
                con.execute(
                    text(
                        "INSERT INTO alerts (id, item_id, importer_id, level, previous_level,"
                        " changed_on_date, status, occurrences, created_at, updated_at, evidence,"
                        " ladder_version, evaluation_id) VALUES (:i, 'gallium', :imp, 3, 0,"
                        " '2026-11-24', 'new', 1, :at, :at, '{}', 'v', 1)"
                    ),
                    {"i": i, "imp": imp, "at": at},
                )
            rows = [
                ("alert.raised", "alert", "1"),
                ("alert.raised", "alert", "2"),
                ("alert.superseded", "alert", "3"),
                ("evaluation.finished", "evaluation", "1"),
            ]
            for action, entity, eid in rows:
                con.execute(
                    text(
                        "INSERT INTO audit_log (at, actor, org_code, action, entity, entity_id,"
                        " detail) VALUES (:at, 'system', NULL, :a, :e, :id, '{}')"
                    ),
                    {"at": at, "a": action, "e": entity, "id": eid},
                )
        db.upgrade(engine)
        with engine.connect() as con:
            got = con.execute(
                text("SELECT action, entity_id, org_code FROM audit_log ORDER BY id")
            ).all()
        assert [tuple(r) for r in got] == [
            ("alert.raised", "1", "KR"),
            ("alert.raised", "2", "JP"),
            ("alert.superseded", "3", "JOINT"),
            ("evaluation.finished", "1", "JOINT"),
        ]
    finally:
        engine.dispose()
