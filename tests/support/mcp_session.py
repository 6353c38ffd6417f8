"""MCP sessions for tests: spawn `sora2 mcp` over stdio, record every JSON-RPC message."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from mcp import StdioServerParameters
from mcp.client._transport import ReadStream, Transport, TransportStreams, WriteStream
from mcp.client.stdio import stdio_client
from mcp.shared.message import SessionMessage

LONG = 160  # longer strings (base64 images) are cut in a rendered transcript


def stdio_transport(url: str, env: dict[str, str], folder: Path, errlog: IO[str]) -> Transport:
    """`python -m sora2 mcp --url URL` as a subprocess, with only the environment an MCP client
    gives it plus `env`, its config folder and working folder in `folder`, stderr to `errlog`."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "sora2", "mcp", "--url", url, "--log-level", "info"],
        env={"XDG_CONFIG_HOME": str(folder / "config"), **env},
        cwd=folder,
    )
    return stdio_client(params, errlog=errlog)


@dataclass
class Recorder:
    """Every JSON-RPC message of a session, in order: ("client" | "server", wire JSON)."""

    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, sender: str, item: object) -> None:
        if isinstance(item, SessionMessage):
            wire = item.message.model_dump(by_alias=True, mode="json", exclude_none=True)
            self.messages.append((sender, wire))

    def methods(self, sender: str) -> list[str]:
        return [m["method"] for s, m in self.messages if s == sender and "method" in m]


class _RecordingRead:
    def __init__(self, inner: ReadStream[SessionMessage | Exception], recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    @property
    def last_context(self) -> object:
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> SessionMessage | Exception:
        item = await self._inner.receive()
        self._recorder.add("server", item)
        return item

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        item = await self._inner.__anext__()
        self._recorder.add("server", item)
        return item

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class _RecordingWrite:
    def __init__(self, inner: WriteStream[SessionMessage], recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    async def send(self, item: SessionMessage, /) -> None:
        self._recorder.add("client", item)
        await self._inner.send(item)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


@asynccontextmanager
async def recording(transport: Transport, recorder: Recorder) -> AsyncIterator[TransportStreams]:
    """`transport`, with every message it carries added to `recorder`."""
    async with transport as (read, write):
        yield _RecordingRead(read, recorder), _RecordingWrite(write, recorder)


def render(recorder: Recorder) -> str:
    """The session as Markdown: one JSON block per message, long strings cut, schemas of
    `tools/list` shortened."""
    parts: list[str] = []
    for sender, message in recorder.messages:
        arrow = "client →" if sender == "client" else "← server"
        what = message.get("method") or ("error" if "error" in message else "result")
        parts.append(f"**{arrow}** `{what}`\n\n```json\n{_json(_shortened(message))}\n```")
    return "\n\n".join(parts)


def _json(value: Any, indent: str = "", used: int = 0) -> str:
    """Indented JSON, with whatever fits on one line (of 96 characters) on one line. `used`:
    what the line holds before the value (its indent and key)."""
    flat = json.dumps(value, ensure_ascii=False)
    if used + len(flat) <= 96 or not isinstance(value, dict | list) or not value:
        return flat
    inner = indent + "  "
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{inner}{json.dumps(key, ensure_ascii=False)}: "
            lines.append(head + _json(item, inner, len(head)))
        return "{\n" + ",\n".join(lines) + f"\n{indent}}}"
    lines = [inner + _json(item, inner, len(inner)) for item in value]
    return "[\n" + ",\n".join(lines) + f"\n{indent}]"


def _shortened(value: Any, key: str = "") -> Any:
    if isinstance(value, str) and len(value) > LONG:
        return f"{value[:40]}… ({len(value)} characters)"
    if isinstance(value, list):
        return [_shortened(item) for item in value]
    if isinstance(value, dict):
        if key == "outputSchema" or (key == "inputSchema" and "properties" in value):
            return {"…": f"{len(json.dumps(value))} characters of JSON Schema"}
        return {k: _shortened(v, k) for k, v in value.items()}
    return value
