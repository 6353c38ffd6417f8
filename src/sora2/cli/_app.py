"""The `sora2` Typer app and its consoles, shared by the command modules."""

from __future__ import annotations

import typer
from rich.console import Console

CLIENT_PANEL = "Client (talks to a server over HTTP)"
SERVER_PANEL = "Server (runs on the platform's machine)"

app = typer.Typer(
    name="sora2",
    help="Sora2 Platform: self-hosted video generation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

console = Console()
err_console = Console(stderr=True)
