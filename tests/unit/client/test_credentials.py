"""Where `sora2 login` keeps its credentials, and how the environment overrides them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sora2.cli.credentials import (
    Credentials,
    DamagedCredentials,
    NotLoggedIn,
    credentials_path,
    current_credentials,
    load_credentials,
    remove_credentials,
    save_credentials,
    server_url,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for variable in ("SORA2_URL", "SORA2_TOKEN", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_the_config_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert credentials_path() == tmp_path / "home" / ".config" / "sora2" / "credentials.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert credentials_path() == tmp_path / "xdg" / "sora2" / "credentials.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/path")  # ignored, as the spec says
    assert credentials_path() == tmp_path / "home" / ".config" / "sora2" / "credentials.json"


def test_save_load_remove() -> None:
    assert load_credentials() is None
    path = save_credentials(Credentials("http://h:3000", "tok", "ann"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_credentials() == Credentials("http://h:3000", "tok", "ann")
    save_credentials(Credentials("http://h:3000", "tok2"))
    assert load_credentials() == Credentials("http://h:3000", "tok2")
    assert list(path.parent.iterdir()) == [path]
    assert remove_credentials() and not remove_credentials()


def test_damaged_files_say_so() -> None:
    path = credentials_path()
    path.parent.mkdir(parents=True)
    for content in ("{not json", '{"url": "http://h"}', "[]"):
        path.write_text(content)
        with pytest.raises(DamagedCredentials, match="login"):
            load_credentials()


def test_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NotLoggedIn, match="sora2 login"):
        current_credentials()
    assert server_url() == "http://localhost:3000"
    save_credentials(Credentials("http://stored:3000", "stored-token", "ann"))
    assert current_credentials() == Credentials("http://stored:3000", "stored-token", "ann")
    assert server_url() == "http://stored:3000"

    monkeypatch.setenv("SORA2_URL", "http://env:3000")
    assert current_credentials().url == "http://env:3000"
    assert current_credentials().token == "stored-token"
    monkeypatch.setenv("SORA2_TOKEN", "env-token")
    assert current_credentials() == Credentials("http://env:3000", "env-token")
    monkeypatch.delenv("SORA2_URL")
    assert current_credentials() == Credentials("http://stored:3000", "env-token")
