"""Tests that keep the docs honest: every setting documented, every command with help."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main
from typer.testing import CliRunner

from sora2.cli import app
from sora2.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [
        f"SORA2_{name.upper()}"
        for name in Settings.model_fields
        if f"| `SORA2_{name.upper()}` |" not in readme
    ]
    assert missing == []


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_block and "make test" in first_block


def _commands(group: Any, prefix: str = "") -> dict[str, Any]:
    """Every command under a group (typer vendors its own click: duck-type the groups)."""
    found: dict[str, Any] = {}
    for name, command in group.commands.items():
        found[f"{prefix}{name}"] = command
        if hasattr(command, "commands"):
            found |= _commands(command, f"{prefix}{name} ")
    return found


def test_every_cli_command_has_help() -> None:
    commands = _commands(typer.main.get_command(app))
    assert {"serve", "simulator", "users add", "users passwd", "users list", "users remove"} <= set(
        commands
    )
    client_commands = {"login", "logout", "create", "status", "list", "download", "remix"}
    assert client_commands | {"delete", "models"} <= set(commands)
    runner = CliRunner()
    for path, command in commands.items():
        assert command.help, f"`sora2 {path}` has no help text"
        result = runner.invoke(app, [*path.split(), "--help"])
        assert result.exit_code == 0, path
        assert command.help.splitlines()[0] in result.output


def test_every_route_has_a_summary_in_docs_api() -> None:
    from sora2.api.app import create_app

    api_doc = (ROOT / "docs" / "api.md").read_text()
    app_ = create_app(Settings(_env_file=None))
    for path, operations in app_.openapi()["paths"].items():
        for method in operations:
            if method == "head":
                continue
            heading = f"{method.upper()} {path}"
            assert heading in api_doc, f"docs/api.md does not describe {heading}"
