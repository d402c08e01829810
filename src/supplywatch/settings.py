"""Runtime settings (environment prefix ``SUPPLYWATCH_``). Built in main(), never at import."""

from __future__ import annotations

from pathlib import Path

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
