"""`sora2 audit` on the server: the same trail as `GET /api/audit`, in a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sora2.cli import app


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SORA2_DATABASE_URL", database_url)
    monkeypatch.setenv("SORA2_DATA_DIR", str(tmp_path / "data"))
    return CliRunner(env={"COLUMNS": "200"})


def test_command_line_changes_are_audited_and_shown(cli: CliRunner) -> None:
    assert cli.invoke(app, ["users", "add", "alice", "--password", "alice-password"]).exit_code == 0
    passwd = ["users", "passwd", "alice", "--password", "a-new-alice-password"]
    assert cli.invoke(app, passwd).exit_code == 0

    shown = cli.invoke(app, ["audit"])
    assert shown.exit_code == 0, shown.output
    assert "user.created" in shown.output and "password.reset" in shown.output
    only = cli.invoke(app, ["audit", "--action", "user.created", "--limit", "5"])
    assert "user.created" in only.output and "password.reset" not in only.output

    bad = cli.invoke(app, ["audit", "--action", "nonsense"])
    assert bad.exit_code == 1 and "unknown action" in bad.output
