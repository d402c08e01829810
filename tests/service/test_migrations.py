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
        assert db.current_revision(engine) == db.head_revision(engine) == "0003"
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
