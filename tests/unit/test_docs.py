"""Tests that keep the docs honest: every setting documented, every command with help, every
link resolving inside a clone of the repository."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
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


# The user's docs: the README and everything under docs/ (ADRs included).
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^ {0,3}(```|~~~)")
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose(text: str) -> list[str]:
    """The lines of a Markdown text outside fenced code blocks."""
    lines: list[str] = []
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def _links(text: str) -> list[str]:
    found: list[str] = []
    for line in _prose(text):
        code_free = re.sub(r"`[^`]*`", "", line)
        found += INLINE_LINK.findall(code_free)
        found += REFERENCE_LINK.findall(code_free)
    return found


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for line in _prose(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if match is None:
            continue
        slug = _slug(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _broken_links(path: Path, text: str | None = None) -> list[str]:
    """The links of the Markdown file `path` (or of `text`, read as if it were there) that do not
    lead to a file of the repository, or to a heading of it."""
    broken: list[str] = []
    for link in _links(path.read_text(encoding="utf-8") if text is None else text):
        if SCHEME.match(link) or link.startswith("//"):
            continue  # a web address (http:, mailto:, ...)
        target, _, anchor = link.partition("#")
        resolved = (path.parent / unquote(target)).resolve() if target else path
        if not resolved.is_relative_to(ROOT):
            broken.append(f"{link}: outside the repository")
        elif not resolved.exists():
            broken.append(f"{link}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{link}: no heading #{anchor} in {resolved.relative_to(ROOT)}")
    return broken


@pytest.mark.parametrize("path", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(path: Path) -> None:
    assert _broken_links(path) == []


def test_the_link_check_refuses_links_out_of_a_clone() -> None:
    text = (
        "[guide](../../shared/seeds/mcp-integration-guide.md) [design](../shared/ARCHITECTURE.md)\n"
        "[api](api.md) [object](api.md#the-video-object) [gone](api.md#no-such-heading)\n"
        "[up](../README.md#configuration) `[in code](../nowhere.md)` [web](https://example.com/)\n"
        "```sh\n[in a fence](../nowhere.md)\n```\n"
    )
    broken = _broken_links(ROOT / "docs" / "probe.md", text)
    assert [entry.split(":")[0] for entry in broken] == [
        "../../shared/seeds/mcp-integration-guide.md",
        "../shared/ARCHITECTURE.md",
        "api.md#no-such-heading",
    ]


def test_github_heading_anchors() -> None:
    assert _slug("Large files behind nginx (X-Accel-Redirect)") == (
        "large-files-behind-nginx-x-accel-redirect"
    )
    assert _slug("`sora2 mcp` (stdio)") == "sora2-mcp-stdio"
    assert _slug("Server → client: `video_update`") == "server--client-video_update"


def test_architecture_draws_the_layers_and_the_job_lifecycle() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert text.count("```mermaid") >= 2
    readme = (ROOT / "README.md").read_text()
    assert "(docs/architecture.md)" in readme and "(docs/adr/)" in readme
