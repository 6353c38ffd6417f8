"""Serve the simulator: inside the caller's event loop, or as a standalone process."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from sora2.providers.simulator.app import build_simulator_app

log = logging.getLogger(__name__)
_STARTUP_TIMEOUT = 30.0
_SHUTDOWN_TIMEOUT = 10.0


_EMBEDDED = contextvars.ContextVar("sora2_embedded_simulator", default=False)


class _QuietEmbedded(logging.Filter):
    """Drop uvicorn's own lines ("Uvicorn running on ...") that come from the embedded server's
    task: beside the platform's, they would tell an operator the wrong URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _EMBEDDED.get()


_QUIET = _QuietEmbedded()


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the host process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(slots=True)
class RunningSimulator:
    """A simulator served by a task of the current event loop."""

    server: uvicorn.Server
    task: asyncio.Task[None]
    host: str
    port: int

    @property
    def base_url(self) -> str:
        """What to give `AsyncOpenAI(base_url=...)`, e.g. http://127.0.0.1:PORT/v1."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    async def stop(self) -> None:
        """Stop accepting, finish open requests (briefly), run the app's shutdown, and return."""
        if self.task.done():
            return
        self.server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self.task), _SHUTDOWN_TIMEOUT)
        except TimeoutError:
            self.server.force_exit = True
            await self.task


async def start_in_process(
    app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0
) -> RunningSimulator:
    """Serve `app` from the current event loop; `port=0` picks a free port. Returns once bound."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        ws="none",  # nothing to upgrade; also keeps websockets' deprecations out of the way
        log_config=None,  # the host process owns logging configuration
        access_log=False,
        timeout_graceful_shutdown=3,
    )
    server = _EmbeddedServer(config)
    task = asyncio.get_running_loop().create_task(_serve(server), name="sora2 simulator")
    deadline = asyncio.get_running_loop().time() + _STARTUP_TIMEOUT
    while not server.started:
        if task.done():
            task.result()  # re-raise why it could not start
            raise RuntimeError("the simulator stopped before it started")
        if asyncio.get_running_loop().time() > deadline:
            server.should_exit = True
            await task
            raise RuntimeError("the simulator did not start in time")
        await asyncio.sleep(0.005)
    bound = server.servers[0].sockets[0].getsockname()
    return RunningSimulator(server=server, task=task, host=host, port=int(bound[1]))


async def _serve(server: uvicorn.Server) -> None:
    _EMBEDDED.set(True)  # this task's context only
    uvicorn_logger = logging.getLogger("uvicorn.error")
    if _QUIET not in uvicorn_logger.filters:
        uvicorn_logger.addFilter(_QUIET)
    try:
        await server.serve()
    except SystemExit as exc:
        # uvicorn exits the process when it cannot bind or the lifespan fails; a hosted
        # simulator must not take its host down with it.
        raise RuntimeError(f"the simulator failed to start (exit code {exc.code})") from exc


def run_standalone(
    *,
    host: str,
    port: int,
    data_dir: Path,
    api_key: str | None,
    job_seconds: float,
    render_workers: int = 1,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    faults: bool = False,
) -> None:
    """Serve the simulator until interrupted (the `sora2 simulator` command)."""
    app = build_simulator_app(
        data_dir=data_dir,
        api_key=api_key,
        job_seconds=job_seconds,
        render_workers=render_workers,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        faults=faults,
    )
    log.info("OpenAI Videos API simulator on http://%s:%d/v1 (data in %s)", host, port, data_dir)
    # A request held open by an injected delay must not hold the shutdown for long.
    uvicorn.run(app, host=host, port=port, ws="none", lifespan="on", timeout_graceful_shutdown=3)
