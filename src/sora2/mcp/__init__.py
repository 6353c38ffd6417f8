"""The MCP server: lets AI assistants make, watch and look at videos (docs/mcp.md).

Two transports, one set of tools (`tools.py`, `files.py`, `resources.py`) written against a
small port (`port.py`):

- stdio, `sora2 mcp` (`stdio.py`): for an assistant on the user's machine; talks to a platform
  over HTTP through the Python SDK (`sdk_backend.py`).
- streamable HTTP at `/mcp` on the platform (`http.py`): bearer-token authenticated, acting as
  that user through the platform's services in process (`service_backend.py`).
"""
