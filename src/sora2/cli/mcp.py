"""`sora2 mcp`: the MCP server over stdio, for AI assistants on the user's machine.

stdout is the MCP protocol: nothing else is printed there. Logs and errors go to stderr.
"""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from sora2.cli._app import CLIENT_PANEL, app, err_console
from sora2.cli.credentials import CredentialsError, current_credentials, server_url

if TYPE_CHECKING:
    from sora2.mcp.stdio import StdioConfig

USERNAME_VARIABLE = "SORA2_USERNAME"
PASSWORD_VARIABLE = "SORA2_PASSWORD"  # noqa: S105 (the name of a variable, not a secret)


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@app.command("mcp", rich_help_panel=CLIENT_PANEL)
def mcp_command(
    url: Annotated[
        str | None,
        typer.Option(
            envvar="SORA2_URL",
            help="Server URL (default: the one `sora2 login` used, or http://localhost:3000)",
            show_default=False,
        ),
    ] = None,
    username: Annotated[
        str | None,
        typer.Option(
            "--username",
            "-u",
            envvar=USERNAME_VARIABLE,
            help="Log in as this user",
        ),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            "-p",
            envvar=PASSWORD_VARIABLE,
            help="Their password (safer in the environment than on the command line)",
        ),
    ] = None,
    log_level: Annotated[LogLevel, typer.Option(help="What to log (on stderr)")] = LogLevel.WARNING,
) -> None:
    """Serve the MCP server over stdio, for AI assistants on this machine.

    For Claude Desktop, VS Code, ... (docs/mcp.md). Without a username and password it uses
    SORA2_TOKEN, else the token `sora2 login` stored.
    """
    # Imported here: the MCP SDK costs every other command most of a second to import.
    import anyio

    from sora2.mcp.stdio import StdioSetupError, serve_stdio

    try:
        config = _config(url, username, password)
        # stdout is the protocol's: logs go to stderr.
        logging.basicConfig(
            stream=sys.stderr,
            level=log_level.value.upper(),
            format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        )
        anyio.run(serve_stdio, config)
    except (CredentialsError, StdioSetupError) as exc:
        err_console.print(f"[red]error:[/red] {exc}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def _config(url: str | None, username: str | None, password: str | None) -> StdioConfig:
    from sora2.mcp.stdio import StdioConfig, StdioSetupError

    if username or password:
        if not (username and password):
            raise StdioSetupError(
                f"give both a username and a password ({USERNAME_VARIABLE}, "
                f"{PASSWORD_VARIABLE}), or neither to use a token"
            )
        return StdioConfig(url=url or server_url(), username=username, password=password)
    credentials = current_credentials()  # SORA2_TOKEN, else the stored login
    return StdioConfig(url=url or credentials.url, token=credentials.token)
