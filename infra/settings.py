"""Settings, from RTW_* environment variables (and `.rtw/local.env` written by `rtw run`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from eventstore.chain import AuditKey
from eventstore.cipher import cipher_ring
from eventstore.keyring import parse_key_ring

# `rtw run` writes the local stack's URLs and keys here, so that `rtw audit …` finds them.
LOCAL_ENV_FILE = Path(os.environ.get("RTW_HOME", ".rtw")) / "local.env"


# The keys without which no worker or API starts: Temporal payloads, the event store's cipher and
# the chain's MAC. `rtw run` writes all three for the local stack.
REQUIRED_KEYS = ("payload_keys", "event_cipher_key", "audit_hmac_key")
PAYLOAD_KEY_SIZES = (16, 24, 32)

MISSING_PAYLOAD_KEYS = (
    "RTW_PAYLOAD_KEYS is not set ('kid:base64key[,kid:base64key...]', keys of 16, 24 or 32 "
    "bytes): Temporal payloads are always encrypted; `rtw run` writes one for the local stack"
)

MISSING_AUDIT_KEY = (
    "RTW_AUDIT_HMAC_KEY is not set (base64 of 32 random bytes; `rtw run` writes one to "
    ".rtw/local.env for the local stack)"
)


class Settings(BaseSettings):
    """Every setting of every rtw process; the README lists them as a table."""

    model_config = SettingsConfigDict(
        env_prefix="RTW_", env_file=LOCAL_ENV_FILE, env_file_encoding="utf-8", extra="ignore"
    )

    temporal_address: str = Field(default="127.0.0.1:7233")
    temporal_namespace: str = Field(default="default")
    task_queue: str = Field(default="rtw-cases")
    database_url: str | None = Field(default=None)
    home: Path = Field(default=Path(".rtw"))
    tokens_file: Path | None = Field(default=None)
    policy_dir: Path | None = Field(default=None)
    webhooks_file: Path | None = Field(default=None)
    payload_keys: str | None = Field(default=None)
    event_cipher_key: str | None = Field(default=None)
    audit_hmac_key: str | None = Field(default=None)
    api_host: str = Field(default="127.0.0.1")
    api_port: int = Field(default=8000, ge=1, le=65535)
    update_wait_seconds: float = Field(default=10.0, gt=0)
    max_body_bytes: int = Field(default=65_536, ge=1_024, le=10_485_760)
    employers_dir: Path | None = Field(default=None)
    notify_channel: Literal["log", "smtp", "notify"] = Field(default="log")
    smtp_url: str | None = Field(default=None, pattern=r"^smtps?://[^\s/]+/?$")
    smtp_username: str | None = Field(default=None)
    smtp_password: str | None = Field(default=None)
    smtp_from: str | None = Field(default=None)
    notify_api_key: str | None = Field(default=None)
    notify_base_url: str = Field(default="https://api.notifications.service.gov.uk",
                                 pattern=r"^https?://\S+$")
    relay_in_worker: bool = Field(default=True)
    projector_in_worker: bool = Field(default=True)
    secrets_dir: Path | None = Field(default=None)
    relay_lease_seconds: float = Field(default=120.0, ge=1.0, le=3600.0)
    notice_max_attempts: int = Field(default=10, ge=1, le=100)
    local_postgres_port: int = Field(default=5433, ge=1, le=65535)
    temporal_ui_port: int = Field(default=8233, ge=1, le=65535)
    metrics_address: str = Field(default="127.0.0.1:9464", pattern=r"^(|\[?[^\s\]]*\]?:\d{1,5})$")
    log_format: Literal["text", "json"] = Field(default="text")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    max_document_bytes: int = Field(
        default=10_485_760, ge=1_024, le=104_857_600,
        description="Case documents (uploads) larger than this are refused with 413.")
    public_url: str | None = Field(
        default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="The address people reach rtw's pages at (links in notices, sign-in "
        "redirects); by default http://RTW_API_HOST:RTW_API_PORT.")
    web_service_name: str = Field(default="Return to work", min_length=1, max_length=80)
    web_organisation: str | None = Field(default=None, max_length=120)
    web_logo: str = Field(
        default="nhs", max_length=500,
        description="'nhs' for the NHS logo (only for organisations allowed to use it), "
        "'none', or the path of an image file to show instead.")
    web_footer: str = Field(default="Occupational health", max_length=300)
    web_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    oidc_issuer: str | None = Field(default=None, pattern=r"^https?://\S+$")
    oidc_client_id: str | None = Field(default=None)
    oidc_client_secret: str | None = Field(default=None)
    oidc_role_claim: str = Field(default="rtw_role")
    oidc_employers_claim: str = Field(default="rtw_employers")
    codec_cors_origins: str = Field(
        default="", pattern=r"^[^\s]*$",
        description="Comma-separated origins (e.g. the Temporal UI's, http://127.0.0.1:8233) "
        "allowed to call POST /v1/codec/decode from a browser.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then `.rtw/local.env`, then the files of
        RTW_SECRETS_DIR (one per setting, named like it in lower case: `rtw_audit_hmac_key`),
        as Docker and Kubernetes mount secrets."""
        # pydantic-settings strips each file's content: the newline that `echo` or an editor
        # leaves at the end is not part of the key. A folder that is not there is refused by
        # the validator below, as one line.
        folder = os.environ.get("RTW_SECRETS_DIR")
        secrets: PydanticBaseSettingsSource = (
            SecretsSettingsSource(settings_cls, secrets_dir=folder)
            if folder and Path(folder).is_dir() else file_secret_settings
        )
        return init_settings, env_settings, dotenv_settings, secrets

    @field_validator("secrets_dir")
    @classmethod
    def _secrets_dir_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        return value

    @field_validator("payload_keys")
    @classmethod
    def _payload_keys_are_usable(cls, value: str | None) -> str | None:
        if value is not None:
            parse_key_ring(value, setting="RTW_PAYLOAD_KEYS", sizes=PAYLOAD_KEY_SIZES)
        return value

    def missing_keys(self) -> list[str]:
        """The required key settings that are not set, by their variable names."""
        return [f"RTW_{name.upper()}" for name in REQUIRED_KEYS
                if not (getattr(self, name) or "").strip()]

    def keys_problem(self) -> str | None:
        """One line naming the missing key settings, or None when all are set."""
        missing = self.missing_keys()
        if not missing:
            return None
        return (f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: rtw "
                "never runs unencrypted (each key 'kid:base64key', see `rtw keys`; `rtw run` "
                "writes them for the local stack)")

    def require_keys(self, process: str) -> None:
        """Exit 2 with one line when a key is missing: a worker or an API never starts
        without encryption."""
        problem = self.keys_problem()
        if problem:
            print(f"rtw {process}: {problem}", file=sys.stderr)
            raise SystemExit(2)

    @field_validator("audit_hmac_key")
    @classmethod
    def _audit_key_is_usable(cls, value: str | None) -> str | None:
        if value is not None:
            AuditKey.from_base64(value)  # its ValueError names the variable and what it needs
        return value

    @field_validator("event_cipher_key")
    @classmethod
    def _cipher_key_is_usable(cls, value: str | None) -> str | None:
        # A key ring `kid:base64[,...]` or one bare base64 key (id k0), AES-128/192/256.
        if value:
            cipher_ring(value)  # its ValueError names the variable and what it accepts
        return value

    def require_database_url(self) -> str:
        if not self.database_url:
            raise SystemExit(
                "RTW_DATABASE_URL is not set (postgresql://user:password@host:port/db); "
                "`rtw run` writes it to .rtw/local.env for the local stack"
            )
        return self.database_url

    def require_payload_keys(self) -> str:
        if not self.payload_keys:
            raise SystemExit(MISSING_PAYLOAD_KEYS)
        return self.payload_keys

    def resolved_tokens_file(self) -> Path:
        return self.tokens_file or self.home / "tokens.json"
