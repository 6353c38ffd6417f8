"""Settings: read from SORA2_* variables, and refusing what would be unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sora2.config import Settings, is_loopback, load_settings


def test_environment_and_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SORA2_PORT", "4000")
    monkeypatch.setenv("SORA2_DATA_DIR", str(tmp_path))
    settings = load_settings(host="0.0.0.0", port=None)
    assert (settings.host, settings.port, settings.data_dir) == ("0.0.0.0", 4000, tmp_path)
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'sora2.db'}"
    assert not settings.listens_on_loopback


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SORA2_POLL_INTERVAL_SECONDS=2.5\n")
    assert Settings().poll_interval_seconds == 2.5


@pytest.mark.parametrize("secret", ["changeme", "secret", "short-but-not-placeholder"])
def test_placeholder_or_short_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="SORA2_JWT_SECRET"):
        Settings(_env_file=None, jwt_secret=secret)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
     ("example.org", False)],
)  # fmt: skip
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
