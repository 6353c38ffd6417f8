"""`sora2 serve` keeps what start-up built out of the cyclic collector's full walks.

A full collection walks every container object; a server holds a few hundred thousand of them
from start-up alone (modules, the app, the container), and walking them stalled requests for
tens of milliseconds (B1's p99, docs/performance.md). Checked in a fresh interpreter, where no
other test has frozen anything.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.support.fresh import run_fresh

SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, json, sys
    from pathlib import Path

    import httpx
    import uvicorn

    from sora2.api.app import create_app
    from sora2.cli._serving import PlatformServer
    from sora2.config import Settings
    from tests.support.server import FAST, bound_socket

    async def main():
        sock = bound_socket()
        port = sock.getsockname()[1]
        settings = Settings(_env_file=None, host="127.0.0.1", port=port,
                            data_dir=Path(sys.argv[1]), database_url=sys.argv[2], **FAST)
        app = create_app(settings)
        server = PlatformServer(uvicorn.Config(app, log_level="warning"), app=app)
        before = gc.get_freeze_count()
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            status = (await client.get("/health")).status_code
        frozen = gc.get_freeze_count()
        server.should_exit = True
        await task
        print(json.dumps({"before": before, "frozen": frozen, "status": status}))

    asyncio.run(main())
    """
)


def test_start_up_objects_are_frozen_once_the_server_has_started(
    database_url: str, tmp_path: Path
) -> None:
    seen = run_fresh(SCRIPT, str(tmp_path / "data"), database_url)
    assert seen["before"] == 0
    # The modules, the app and the container: far more than a handful of objects.
    assert seen["frozen"] > 100_000
    assert seen["status"] == 200
