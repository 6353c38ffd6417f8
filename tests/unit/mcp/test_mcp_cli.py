"""Who `sora2 mcp` logs in as: a username and password, else SORA2_TOKEN, else `sora2 login`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sora2.cli import app
from sora2.cli.credentials import Credentials, NotLoggedIn, save_credentials
from sora2.cli.mcp import _config
from sora2.mcp.stdio import StdioConfig, StdioSetupError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for variable in ("SORA2_URL", "SORA2_TOKEN", "SORA2_USERNAME", "SORA2_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_a_username_and_password_win() -> None:
    save_credentials(Credentials("http://stored:3000", "stored-token"))
    assert _config(None, "ann", "pw") == StdioConfig(
        url="http://stored:3000", username="ann", password="pw"
    )
    assert _config("http://other:1", "ann", "pw").url == "http://other:1"
    with pytest.raises(StdioSetupError, match="both a username and a password"):
        _config(None, "ann", None)


def test_else_the_environments_token_else_the_stored_login(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(NotLoggedIn):
        _config(None, None, None)
    save_credentials(Credentials("http://stored:3000", "stored-token"))
    assert _config(None, None, None) == StdioConfig(url="http://stored:3000", token="stored-token")
    monkeypatch.setenv("SORA2_TOKEN", "env-token")
    assert _config("http://given:2", None, None) == StdioConfig(
        url="http://given:2", token="env-token"
    )


def test_not_logged_in_is_one_line_on_stderr_and_nothing_on_stdout() -> None:
    result = CliRunner().invoke(app, ["mcp", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "not logged in" in result.stderr
