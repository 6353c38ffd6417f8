"""Settings, read from `SORA2_*` environment variables and an optional `.env` file.

Nothing here runs at import time: call `load_settings()` where a process starts.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Values people paste from examples; refusing them beats running with a guessable secret.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "your-secret-here", "your_jwt_secret", "jwt-secret"}
)
# A name, `*.name`, `*`, an IPv4 address or a bracketed IPv6 one: no scheme, port or path.
_HOST_PATTERN = re.compile(r"\*|(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\]")
DEFAULT_ADMIN_PASSWORD = "admin"  # noqa: S105 - the documented loopback-only first login


class Settings(BaseSettings):
    """Every setting of the platform. The README's configuration table lists each one."""

    model_config = SettingsConfigDict(
        env_prefix="SORA2_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(3000, ge=0, le=65535, description="Port the server listens on.")
    data_dir: Path = Field(
        Path("data"), description="Where the database, secrets, media and simulator jobs live."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy async URL; default SQLite at DATA_DIR/sora2.db. "
        "Example: postgresql+asyncpg://user@host/db",
    )
    database_busy_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=600,
        description="How long a query waits for a lock (SQLite busy_timeout, PostgreSQL "
        "lock_timeout) before the request is answered 503 with Retry-After.",
    )
    database_statement_timeout_seconds: float = Field(
        30.0,
        gt=0,
        description="PostgreSQL statement_timeout: a slower query is cancelled and the request "
        "answered 503 with Retry-After.",
    )
    jwt_secret: SecretStr | None = Field(
        None,
        description="HS256 signing secret (>= 32 chars); made into DATA_DIR/jwt_secret if unset.",
    )
    jwt_expiry_seconds: int = Field(7 * 24 * 3600, gt=0, description="Lifetime of a login token.")
    user_cache_seconds: float = Field(
        1.0,
        ge=0,
        le=60,
        description="How long the user row behind a token is reused instead of read again (the "
        "revocation check). A revocation this process or Redis hears of applies at once; one it "
        "cannot hear of (no Redis, several processes) within this time. 0: read every time.",
    )
    login_max_failures: int = Field(
        5,
        gt=0,
        description="Failed logins per username, and per client address, before logins are "
        "refused (429) for the rest of the window.",
    )
    login_window_seconds: float = Field(
        300.0, gt=0, description="The window in which failed logins are counted."
    )
    admin_password: SecretStr | None = Field(
        None, description="Password of the first `admin` user, used only when no user exists."
    )
    openai_base_url: str | None = Field(
        None,
        description="OpenAI-compatible Videos API base URL (ending in /v1). Unset: the built-in "
        "simulator, served in-process on a private loopback port.",
    )
    openai_api_key: SecretStr | None = Field(None, description="API key for SORA2_OPENAI_BASE_URL.")
    openai_timeout_seconds: float = Field(
        60.0, gt=0, description="Timeout of one request to the provider."
    )
    openai_max_concurrent: int = Field(
        0,
        ge=0,
        description="Most jobs in flight at the `openai` provider at once (0: no limit); "
        "the rest wait in the platform's queue, in order.",
    )
    openai_webhook_secret: SecretStr | None = Field(
        None,
        description="Secret (whsec_...) that signs the provider's webhooks to "
        "POST /api/webhooks/openai. Unset: the route is off, polling alone tracks jobs.",
    )
    google_api_key: SecretStr | None = Field(
        None,
        description="Google API key for Veo (Vertex AI express mode). Set: the `veo` provider "
        "and its models are on.",
    )
    google_base_url: str | None = Field(
        None,
        description="Base URL of the Google API for Veo; default the SDK's "
        "(https://aiplatform.googleapis.com/).",
    )
    google_timeout_seconds: float = Field(
        120.0, gt=0, description="Timeout of one request to Google (results come inline)."
    )
    google_max_concurrent: int = Field(
        0, ge=0, description="Most jobs in flight at the `veo` provider at once (0: no limit)."
    )
    models_file: Path | None = Field(
        None,
        description="A TOML file that adds, removes or remaps models over the built-in "
        "catalogue (docs/providers.md).",
    )
    webhook_poll_interval_seconds: float = Field(
        60.0,
        gt=0,
        description="How often the tracker still polls an active video while the provider's "
        "webhooks are arriving (a safety net).",
    )
    user_max_active_videos: int = Field(
        0, ge=0, description="Most queued or in-progress videos one user may have (0: no limit)."
    )
    user_daily_spend_limit: float = Field(
        0.0,
        ge=0,
        description="Most estimated spend (USD) one user may start per UTC day (0: no limit).",
    )
    simulator_webhook_url: str | None = Field(
        None,
        description="Where the built-in simulator posts signed webhooks (signed with "
        "SORA2_OPENAI_WEBHOOK_SECRET). Default, when that secret is set: this server's own "
        "/api/webhooks/openai.",
    )
    simulator_job_seconds: float = Field(
        20.0, ge=0, description="How long a simulated job takes from queued to completed."
    )
    simulator_faults: bool = Field(
        False,
        description="Let the built-in simulator take queued faults (POST /v1/simulator/faults), "
        "to rehearse a misbehaving provider: errors, hangs, lost answers.",
    )
    poll_interval_seconds: float = Field(
        5.0, gt=0, description="How often the tracker polls the provider for an active video."
    )
    poll_jitter: float = Field(
        0.2, ge=0, le=1, description="Random spread of the poll interval, as a fraction of it."
    )
    tracker_enabled: bool = Field(
        True, description="Run the job tracker inside the server process."
    )
    tracker_concurrency: int = Field(
        16,
        gt=0,
        description="How many heavy tracker steps (creates, downloads) run at once; also "
        "bounds the single retrieves of a status sweep.",
    )
    tracker_lease_seconds: float = Field(
        60.0, gt=0, description="How long a tracker step may hold a video before others retake it."
    )
    shutdown_grace_seconds: float = Field(
        15.0,
        gt=0,
        le=600,
        description="On SIGTERM, how long requests and tracker steps in flight may finish; "
        "steps still running are then cut short and their videos handed back.",
    )
    max_upload_bytes: int = Field(
        10 * 1024 * 1024, gt=0, description="Largest accepted reference image, in bytes."
    )
    max_image_pixels: int = Field(
        40_000_000, gt=0, description="Largest accepted reference image, in pixels (bomb guard)."
    )
    page_size_max: int = Field(100, gt=0, description="Largest `limit` accepted by list routes.")
    media_url_ttl_seconds: int = Field(
        900,
        gt=0,
        description="Lifetime of a signed media URL (GET /api/videos/{id}/media-url), in seconds.",
    )
    web_ui_dir: Path | None = Field(
        None,
        description="Folder of the built web UI (index.html, assets/); default: the package's own.",
    )
    accel_redirect_prefix: str | None = Field(
        None,
        description="Behind nginx: answer file downloads with an empty response carrying "
        "`X-Accel-Redirect: <prefix>/<storage key>` (after auth), so nginx serves the bytes from "
        "an `internal` location (docs/operations.md). Unset: the server streams files itself.",
    )
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Other origins (scheme://host[:port], comma-separated) allowed to call the "
        "REST API (CORS) and open a Socket.IO connection; the server's own origin always is. "
        "Never '*'.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the server answers to (Host header; comma-separated, "
        "`*.example.com` for subdomains, `*` for any). Default: localhost, 127.0.0.1, [::1]; "
        "beyond loopback also any IP address.",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Proxies trusted for X-Forwarded-For/-Proto (comma-separated IPs or "
        "networks, `*` for any); passed to uvicorn.",
    )
    max_json_bytes: int = Field(
        256 * 1024,
        gt=0,
        description="Largest request body that is not a form upload (JSON), in bytes.",
    )
    api_docs: bool = Field(True, description="Serve /api/docs and /api/openapi.json.")
    socketio_max_message_bytes: int = Field(
        64 * 1024, gt=0, description="Largest Socket.IO message (or polling payload), in bytes."
    )
    socketio_events_per_second: float = Field(
        10.0, gt=0, description="Events one socket may send per second, on average."
    )
    socketio_event_burst: int = Field(
        30, gt=0, description="Events one socket may send at once above its rate."
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL (redis://host:6379/0) shared by several API/worker processes so "
        "live updates reach every client. Unset: one process, no Redis.",
    )
    redis_channel: str = Field(
        "sora2", min_length=1, description="Redis pub/sub channel of the live updates."
    )

    @field_validator("jwt_secret")
    @classmethod
    def _refuse_placeholder_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value()
        if raw.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("SORA2_JWT_SECRET is a placeholder; set a random value or unset it")
        if len(raw) < 32:
            raise ValueError("SORA2_JWT_SECRET must be at least 32 characters long")
        return value

    @field_validator("accel_redirect_prefix")
    @classmethod
    def _check_accel_prefix(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith("/") or any(c in value for c in "?#\\ \r\n"):
            raise ValueError("SORA2_ACCEL_REDIRECT_PREFIX must be a path such as /_protected")
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        hosts = _comma_list(value, lambda item: item.lower().rstrip("."))
        if not isinstance(hosts, list):
            return hosts
        for host in hosts:
            if not _HOST_PATTERN.fullmatch(host):
                raise ValueError(
                    f"SORA2_ALLOWED_HOSTS: {host!r} is not a host name (no scheme, port or path; "
                    "`*.example.com` for subdomains)"
                )
        return hosts

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        origins = _comma_list(value, lambda item: item.rstrip("/").lower())
        if not isinstance(origins, list):
            return origins
        if "*" in origins:
            raise ValueError("SORA2_CORS_ORIGINS may not be '*': list the allowed origins")
        return origins

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'sora2.db').resolve()}"

    @property
    def listens_on_loopback(self) -> bool:
        return is_loopback(self.host)


def _comma_list(value: object, normalise: Callable[[str], str]) -> object:
    """A comma-separated setting as a list of normalised, non-empty items (other values as given,
    for pydantic to refuse)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return value
    items = [normalise(str(item).strip()) for item in value]
    return [item for item in items if item]


def is_loopback(host: str) -> bool:
    """True when `host` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment (and `.env`), with explicit overrides on top."""
    clean = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**clean)
