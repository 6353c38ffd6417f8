"""`python -m sora2.api.openapi`: print the API's OpenAPI document (JSON) and exit.

The document is built by the app factory, as the server builds it, but nothing is started: no
database, no tracker, no socket. `make types` turns it into the web UI's TypeScript types.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from sora2.api.app import create_app
from sora2.config import Settings


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the server serves at /api/openapi.json (defaults for settings)."""
    # The schema does not depend on the settings; `.env` is left out so no local file leaks in.
    return create_app(Settings(_env_file=None)).openapi()


def main() -> None:
    sys.stdout.write(json.dumps(openapi_document(), indent=2) + "\n")


if __name__ == "__main__":
    main()
