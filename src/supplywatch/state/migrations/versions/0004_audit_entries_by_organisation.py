"""Audit entries belong to the organisation whose data they concern (decision 0007): give the
system entries written before it their organisation.

- alert entries (raised, repeated, superseded, and people's transitions already had one): the
  organisation owning the alert's importer (KOR -> KR, JPN -> JP, BLOC -> JOINT);
- webhook failures: the webhook's organisation;
- evaluation.finished entries of before, which hold the total of all three importers'
  changes: JOINT (the joint view sees bloc-level entries; a total of both sides' changes is
  not split by anyone who holds no national stock).

Data only; downgrade leaves the organisations (they were missing, not wrong).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 04:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE audit_log SET org_code = (
            SELECT CASE a.importer_id WHEN 'KOR' THEN 'KR' WHEN 'JPN' THEN 'JP' ELSE 'JOINT' END
            FROM alerts a WHERE CAST(a.id AS VARCHAR(20)) = audit_log.entity_id
        )
        WHERE org_code IS NULL AND entity = 'alert'
        """
    )
    op.execute(
        """
        UPDATE audit_log SET org_code = (
            SELECT w.org_code FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE CAST(d.id AS VARCHAR(20)) = audit_log.entity_id
        )
        WHERE org_code IS NULL AND entity = 'delivery'
        """
    )
    op.execute(
        "UPDATE audit_log SET org_code = 'JOINT' "
        "WHERE org_code IS NULL AND action = 'evaluation.finished'"
    )


def downgrade() -> None:
    pass
