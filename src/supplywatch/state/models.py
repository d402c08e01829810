"""SQLAlchemy models of the shared service's state. The schema is owned by the Alembic
migrations in ``migrations/versions``; a test checks that models and migrations agree."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    """KR, JP or JOINT (the joint secretariat)."""

    __tablename__ = "organisations"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ko: Mapped[str] = mapped_column(String(200))
    name_ja: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"))
    role: Mapped[str] = mapped_column(String(16))  # viewer | analyst | admin
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """API token; only its SHA-256 is stored (the token is shown once, at creation)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """Dashboard session; the cookie value is stored as its SHA-256."""

    __tablename__ = "login_sessions"
    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """Failed logins, for the rate limit (per username and per client address)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Evaluation(Base):
    """One run of the risk engine over the store, for the service's importers."""

    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of_date: Mapped[date] = mapped_column(Date)
    store_fingerprint: Mapped[str] = mapped_column(String(200))
    ladder_version: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(32))  # schedule | ingest | manual
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    n_items: Mapped[int] = mapped_column(Integer, default=0)
    n_changes: Mapped[int] = mapped_column(Integer, default=0)


class ItemLevel(Base):
    """Current level of each (item, importer) after the last evaluation."""

    __tablename__ = "item_levels"
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    importer_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    engine_level: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    since_date: Mapped[date] = mapped_column(Date)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))


class Alert(Base):
    """A level change. While open (new / acknowledged), ``open_key`` = item|importer|level
    is unique: the same level for the same pair is never raised twice."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("item_id", "importer_id", "level", "changed_on_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    importer_id: Mapped[str] = mapped_column(String(8), index=True)
    level: Mapped[int] = mapped_column(Integer)
    previous_level: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    changed_on_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)  # new|acknowledged|resolved
    open_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledge_comment: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolve_comment: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    ladder_version: Mapped[str] = mapped_column(String(32))
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"))


class AuditEntry(Base):
    """Every change to service state: who (user or ``system``), when, what."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    org_code: Mapped[str | None] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class StockEntry(Base):
    """A stock level entered by an organisation; confidential to it."""

    __tablename__ = "stock_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    holder: Mapped[str] = mapped_column(String(16))  # national | private | in_transit
    quantity_t: Mapped[float] = mapped_column(Float)
    as_of_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # api | csv | form
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConsumptionEntry(Base):
    """Consumption entered by an organisation (tonnes a year); replaces apparent consumption."""

    __tablename__ = "consumption_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    tonnes_per_year: Mapped[float] = mapped_column(Float)
    as_of_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StockTarget(Base):
    """Days-of-cover target of an organisation, for one item or for all (``item_id`` '*')."""

    __tablename__ = "stock_targets"
    __table_args__ = (UniqueConstraint("org_code", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"))
    item_id: Mapped[str] = mapped_column(String(64))
    target_days: Mapped[float] = mapped_column(Float)
    basis: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Webhook(Base):
    """Where an organisation's level-change notifications go (HMAC-signed with ``secret``)."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "alert_id"),
        UniqueConstraint("webhook_id", "event_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    # an alert's delivery, or (alert NULL) a watch-list event's (``event_key`` = measure:<id>)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    event_key: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Plan(Base):
    """A stockpile plan run by an organisation. It may rest on that organisation's
    confidential stocks and consumption, so it is visible to that organisation only."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    as_of_date: Mapped[date] = mapped_column(Date)
    assumptions_version: Mapped[str] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class NoticeCandidate(Base):
    """A notice read by the extractor, waiting for an analyst: confirmed (it enters the
    measures registry, with the notice as evidence), or rejected. Submitted by an organisation
    (visible to it and to JOINT until confirmed) or found by a connector (``org_code`` NULL:
    visible to all). ``draft`` is the registry entry proposed from the extraction, as edited."""

    __tablename__ = "notice_candidates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str | None] = mapped_column(ForeignKey("organisations.code"), index=True)
    origin: Mapped[str] = mapped_column(String(32))  # upload | connector name
    source_url: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    extraction: Mapped[dict[str, Any]] = mapped_column(JSON)
    draft: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending|confirmed|rejected
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_org: Mapped[str | None] = mapped_column(String(8))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_comment: Mapped[str | None] = mapped_column(Text)
    measure_id: Mapped[str | None] = mapped_column(String(80))


class Briefing(Base):
    """A weekly briefing computed for an organisation (scheduled, or asked for). Its contents
    may include the organisation's days of cover, so it is visible to that organisation only;
    it is rendered in any language on download."""

    __tablename__ = "briefings"
    __table_args__ = (UniqueConstraint("org_code", "importer_id", "as_of_date", "since_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    importer_id: Mapped[str] = mapped_column(String(8))
    as_of_date: Mapped[date] = mapped_column(Date)
    since_date: Mapped[date] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class WatchEntry(Base):
    """Something a user (``username`` set) or a whole organisation (``username`` NULL)
    watches: an item, an imposing government or a supplier country."""

    __tablename__ = "watch_entries"
    __table_args__ = (UniqueConstraint("org_code", "username", "kind", "target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # item | imposer | supplier
    target: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Notification(Base):
    """A change on something watched, in one user's inbox (an organisation's watch fans out
    to each of its active users), with tenancy: only changes its organisation may see."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("username", "event_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    event_key: Mapped[str] = mapped_column(String(120))  # alert:<id> | measure:<id>
    kind: Mapped[str] = mapped_column(String(16))  # level_change | measure
    watch_kinds: Mapped[list[str]] = mapped_column(JSON)
    item_id: Mapped[str | None] = mapped_column(String(64))
    importer_id: Mapped[str | None] = mapped_column(String(8))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    measure_id: Mapped[str | None] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
