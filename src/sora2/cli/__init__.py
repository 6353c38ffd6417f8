"""The `sora2` command line.

Client commands (`login`, `create`, `list`, `download`, ...) talk to a platform over HTTP
through the SDK (`client.py`), and `mcp` serves them to AI assistants over stdio (`mcp.py`);
server commands (`serve`, `simulator`, `users`, `version`) run on the platform's own machine
(`server.py`).
"""

from __future__ import annotations

from sora2.cli import client as _client
from sora2.cli import mcp as _mcp
from sora2.cli import server as _server
from sora2.cli._app import app

__all__ = ["app", "main"]

_COMMAND_MODULES = (_client, _mcp, _server)  # imported for the commands they register on `app`


def main() -> None:
    """The `sora2` entry point."""
    app()
