"""`sora2 mcp`: the MCP server over stdio, for AI assistants on the user's machine.

stdout is the MCP protocol: nothing else is printed there. Logs and errors go to stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from sora2.cli._app import CLIENT_PANEL, app, err_console
from sora2.cli.credentials import CredentialsError, current_credentials, server_url

if TYPE_CHECKING:
    from sora2.mcp.stdio import StdioConfig

USERNAME_VARIABLE = "SORA2_USERNAME"
PASSWORD_VARIABLE = "SORA2_PASSWORD"  # noqa: S105 (the name of a variable, not a secret)


@app.command("mcp", rich_help_panel=CLIENT_PANEL)
def mcp_command(
    url: Annotated[
        str | None,
        typer.Option(
            envvar="SORA2_URL",
            help="Server URL [env SORA2_URL; default: the one `sora2 login` used, or "
            "http://localhost:3000]",
            show_default=False,
            show_envvar=False,
        ),
    ] = None,
    username: Annotated[
        str | None,
        typer.Option(
            "--username",
            "-u",
            envvar=USERNAME_VARIABLE,
            help=f"Log in as this user [env {USERNAME_VARIABLE}]",
            show_envvar=False,
        ),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            "-p",
            envvar=PASSWORD_VARIABLE,
            help=f"Their password [env {PASSWORD_VARIABLE}, better than the command line]",
            show_envvar=False,
        ),
    ] = None,
    log_level: Annotated[
        str, typer.Option(help="Log level on stderr: debug, info, warning, error")
    ] = "warning",
) -> None:
    """Serve the MCP server over stdio, for AI assistants (Claude Desktop, VS Code, ...).

    Without a username and password it uses SORA2_TOKEN, else the token `sora2 login` stored.
    """
    # Imported here: the MCP SDK costs every other command most of a second to import.
    import anyio

    from sora2.mcp.stdio import StdioSetupError, serve_stdio

    logging.basicConfig(
        stream=sys.stderr,
        level=log_level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        force=True,
    )
    try:
        config = _config(url, username, password)
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
