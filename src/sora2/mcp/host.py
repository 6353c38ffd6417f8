"""`ToolHost`: how a tool call finds the caller's backend, whichever transport brought it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError

from sora2.mcp.port import (
    BackendError,
    LinkingBackend,
    SavingBackend,
    VideoBackend,
    VideoNotFound,
)

RequestContext = ServerRequestContext[Any, Any]


@dataclass(frozen=True, slots=True)
class ToolHost:
    """The server's lifespan state. Over stdio there is one backend (the user who configured
    `sora2 mcp`); over HTTP each request brings its user, so the backend is made per request."""

    backend_for: Callable[[RequestContext], VideoBackend]
    # Over stdio the server runs on the user's machine: it may read image files and save
    # downloads where the user says. Over HTTP it hands out links instead.
    saver_for: Callable[[RequestContext], SavingBackend] | None = None
    linker_for: Callable[[RequestContext], LinkingBackend] | None = None

    @classmethod
    def local(cls, backend: SavingBackend) -> ToolHost:
        return cls(backend_for=lambda _: backend, saver_for=lambda _: backend)

    @classmethod
    def remote(cls, backend_for: Callable[[RequestContext], LinkingBackend]) -> ToolHost:
        return cls(backend_for=backend_for, linker_for=backend_for)

    @property
    def local_files(self) -> bool:
        return self.saver_for is not None


def host_of(ctx: Context) -> ToolHost:
    return cast(ToolHost, ctx.request_context.lifespan_context)


def backend_of(ctx: Context) -> VideoBackend:
    return host_of(ctx).backend_for(ctx.request_context)


@contextmanager
def tool_errors() -> Iterator[None]:
    """A backend's readable failure as the tool's error result (`is_error`, the message)."""
    try:
        yield
    except BackendError as exc:
        raise ToolError(exc.message) from exc


@contextmanager
def resource_errors() -> Iterator[None]:
    """A backend's readable failure as a resource read error."""
    try:
        yield
    except VideoNotFound as exc:
        raise ResourceNotFoundError(exc.message) from exc
    except BackendError as exc:
        raise ResourceError(exc.message) from exc
