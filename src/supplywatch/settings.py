"""Runtime settings (environment prefix ``SUPPLYWATCH_``). Built in main(), never at import."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Where the store and snapshots live, and the keys of the live connectors."""

    model_config = SettingsConfigDict(env_prefix="SUPPLYWATCH_", extra="forbid", frozen=True)

    db_path: Path = Field(
        default=PROJECT_ROOT / "var" / "supplywatch.duckdb",
        description="DuckDB store file.",
    )
    bundle_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "bundle",
        description="Bundled real data snapshot (with manifest.yml).",
    )
    measures_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "measures",
        description="The supply-measures registry (YAML files; see its README).",
    )
    hs_reference_file: Path = Field(
        default=PROJECT_ROOT / "data" / "bundle" / "hs" / "comtrade_hs_products_H0_H6.csv",
        description="UN product lists of every HS revision, to check the registry's codes.",
    )
    snapshot_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "snapshots",
        description="Where live connectors write fetched snapshots.",
    )
    comtrade_api_key: SecretStr | None = Field(
        default=None, description="UN Comtrade subscription key (keyed API)."
    )
    kcs_service_key: SecretStr | None = Field(
        default=None, description="data.go.kr service key for Korea Customs Service statistics."
    )
    estat_app_id: SecretStr | None = Field(
        default=None, description="e-Stat API application id (Japan MOF trade statistics)."
    )
    http_timeout_s: float = Field(default=60.0, gt=0)
    http_max_retries: int = Field(default=5, ge=0)
    memory_limit: str = Field(default="4GB", description="DuckDB memory_limit.")
    store_lock_wait_s: float = Field(
        default=30.0,
        gt=0,
        description="How long a reader waits for the store while an ingest holds it (then "
        "503 with Retry-After).",
    )
    # --- shared service (supplywatch serve) ----------------------------------------------------
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'service.sqlite'}",
        description="Service state: SQLite (single user) or postgresql+psycopg://... (shared).",
    )
    session_ttl_hours: float = Field(default=12.0, gt=0, description="Dashboard session life.")
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins per username (and x4 per client) per window."
    )
    login_window_s: int = Field(default=300, gt=0, description="Login rate-limit window.")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For is believed (default: "
        "none: the client is the TCP peer, whatever the header says).",
    )
    watch_interval_s: float = Field(
        default=60.0, gt=0, description="How often the scheduler looks for a new ingest."
    )
    webhook_interval_s: float = Field(default=5.0, gt=0, description="Webhook delivery loop.")
    briefing_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field(
        default="mon", description="Day of the week the scheduler makes the weekly briefings."
    )
    briefing_hour_utc: int = Field(
        default=0, ge=0, le=23, description="Hour (UTC) of that day it makes them."
    )
    webhook_max_attempts: int = Field(default=5, ge=1)
    webhook_backoff_s: float = Field(default=2.0, ge=0, description="First retry delay (x2).")
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_allow_hosts: list[str] = Field(
        default_factory=list,
        description="Webhook hosts allowed although they resolve to a private, loopback or "
        "link-local address (tests, an internal receiver you trust). Default: none.",
    )
    secret_key_file: Path = Field(
        default=PROJECT_ROOT / "var" / "secret.key",
        description="Key that encrypts webhook secrets at rest (created 0600 if missing).",
    )
    scheduler_enabled: bool = Field(default=True, description="Run the APScheduler jobs.")
    backtest_results: Path = Field(
        default=PROJECT_ROOT / "docs" / "backtest-dev-events.json",
        description="Back-test result (JSON from `supplywatch backtest --out`) the API serves.",
    )
    cookie_secure: bool = Field(default=False, description="Mark the session cookie Secure.")
    # --- limits (issue #13) -------------------------------------------------------------------
    max_request_bytes: int = Field(
        default=4 * 1024 * 1024,
        gt=0,
        description="Largest request body the API reads (413 above it, before authentication).",
    )
    request_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Time limit of a request (503 with Retry-After past it; the store query "
        "is interrupted). Ingest and evaluation, which an admin starts, are not limited.",
    )
    max_csv_rows: int = Field(
        default=10_000, gt=0, description="Rows of an uploaded CSV (stocks), header excluded."
    )
    max_csv_columns: int = Field(default=16, gt=0, description="Columns of an uploaded CSV.")
    clock_frozen_at: datetime | None = Field(
        default=None,
        description="Freeze the application's clock at this time (ISO 8601; tests and "
        "reproducible runs). Default: the real time.",
    )
