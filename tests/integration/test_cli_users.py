"""`sora2 users ...` and `sora2 serve --help`, run as a terminal user would, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sora2.cli import app
from tests.support.server import live_server


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SORA2_DATABASE_URL", database_url)
    monkeypatch.setenv("SORA2_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def test_add_list_passwd_remove(cli: CliRunner, database_url: str, tmp_path: Path) -> None:
    added = cli.invoke(app, ["users", "add", "alice", "--password", "alice-password"])
    assert added.exit_code == 0, added.output
    assert "Added user alice" in added.output
    admin = cli.invoke(app, ["users", "add", "root", "--password", "root-password", "--admin"])
    assert admin.exit_code == 0 and "Added admin user root" in admin.output

    listed = cli.invoke(app, ["users", "list"])
    assert listed.exit_code == 0
    assert "alice" in listed.output and "root" in listed.output

    changed = cli.invoke(
        app, ["users", "passwd", "alice"], input="new-alice-password\nnew-alice-password\n"
    )
    assert changed.exit_code == 0, changed.output
    with live_server(tmp_path / "data", database_url) as server:
        assert server.login("alice", "new-alice-password")

    removed = cli.invoke(app, ["users", "remove", "alice", "--yes"])
    assert removed.exit_code == 0, removed.output
    assert "alice" not in cli.invoke(app, ["users", "list"]).output


def test_errors_are_readable_with_exit_code_1(cli: CliRunner) -> None:
    assert cli.invoke(app, ["users", "add", "bob", "--password", "bob-password"]).exit_code == 0
    duplicate = cli.invoke(app, ["users", "add", "bob", "--password", "bob-password"])
    assert duplicate.exit_code == 1
    assert "error:" in duplicate.output and "taken" in duplicate.output
    weak = cli.invoke(app, ["users", "add", "carol", "--password", "admin"])
    assert weak.exit_code == 1 and "not allowed" in weak.output
    missing = cli.invoke(app, ["users", "passwd", "nobody", "--password", "whatever-long"])
    assert missing.exit_code == 1 and "no user named 'nobody'" in missing.output
    gone = cli.invoke(app, ["users", "remove", "nobody", "--yes"])
    assert gone.exit_code == 1


def test_usage_errors_exit_2(cli: CliRunner) -> None:
    result = cli.invoke(app, ["users", "add"])
    assert result.exit_code == 2


def test_data_dir_option(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SORA2_DATABASE_URL", raising=False)
    runner = CliRunner()
    data = tmp_path / "elsewhere"
    result = runner.invoke(
        app, ["users", "add", "dora", "--password", "dora-password", "--data-dir", str(data)]
    )
    assert result.exit_code == 0, result.output
    assert (data / "sora2.db").exists()
    listed = runner.invoke(app, ["users", "list", "--data-dir", str(data)])
    assert "dora" in listed.output
