"""Fault injection for the simulator: queue misbehaviour for the next requests of an operation.

`POST /v1/simulator/faults` (only when the simulator runs with `--faults`) queues faults; each
request of that operation takes the next one. A fault can answer an error instead of doing the
work (`status`, `code`, `message`, `retry_after`), answer late or hang (`delay`), do the work and
then cut the connection without an answer (`drop`: a create of unknown outcome), or, for
`content`, send all but the last byte and stall (`stall`). Clients use it to test their retry,
timeout and reconciliation paths against a provider that misbehaves on cue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from sora2.providers.simulator.validation import APIError

OPERATIONS = ("create", "retrieve", "list", "delete", "remix", "content")
MAX_DELAY_SECONDS = 3600.0
MAX_TIMES = 1000
_FIELDS = {
    "operation", "status", "code", "message", "retry_after", "delay", "drop", "stall", "times",
    "variant",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fault:
    operation: str
    status: int | None = None  # answer this error instead of doing the work
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None  # sent as Retry-After (seconds) with `status`
    delay: float = 0.0  # wait this long before answering (a hang, if long)
    drop: bool = False  # do the work, then cut the connection without an answer
    stall: bool = False  # content: send all but the last byte, wait `delay`, then finish
    variant: str | None = None  # content: only for this variant

    def error(self) -> APIError:
        assert self.status is not None
        error_type = "server_error" if self.status >= 500 else "invalid_request_error"
        if self.code == "insufficient_quota":
            error_type = "insufficient_quota"
        default = "The server had an error while processing your request."
        if self.status == 429:
            default = "Rate limit reached for requests."
        return APIError(self.status, self.message or default, code=self.code, error_type=error_type)

    def public(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in (None, False)}


def parse_faults(body: object) -> list[Fault]:
    """`{"faults": [...]}` or one fault object; each may repeat with `times`."""
    items = body.get("faults", [body]) if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise APIError(400, "Send a fault object or {'faults': [...]}.", param="faults")
    faults: list[Fault] = []
    for item in items:
        if not isinstance(item, dict):
            raise APIError(400, "Each fault must be an object.", param="faults")
        unknown = set(item) - _FIELDS
        if unknown:
            raise APIError(400, f"Unknown fault fields: {sorted(unknown)}.", param="faults")
        fault, times = _parse_one(item)
        faults.extend([fault] * times)
    return faults


def _parse_one(item: dict[str, Any]) -> tuple[Fault, int]:
    operation = item.get("operation")
    if operation not in OPERATIONS:
        raise APIError(400, f"'operation' must be one of {list(OPERATIONS)}.", param="operation")
    status = item.get("status")
    if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
        raise APIError(400, "'status' must be an HTTP error status (400-599).", param="status")
    delay = _number(item, "delay", 0.0, MAX_DELAY_SECONDS)
    retry_after = item.get("retry_after")
    if retry_after is not None:
        retry_after = _number(item, "retry_after", 0.0, MAX_DELAY_SECONDS)
    times = item.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= MAX_TIMES:
        raise APIError(400, f"'times' must be an integer from 1 to {MAX_TIMES}.", param="times")
    drop, stall = bool(item.get("drop", False)), bool(item.get("stall", False))
    if status is not None and (drop or stall):
        raise APIError(400, "A fault with 'status' cannot also 'drop' or 'stall'.", param="status")
    if stall and operation != "content":
        raise APIError(400, "Only 'content' faults can 'stall'.", param="stall")
    for name in ("code", "message", "variant"):
        if item.get(name) is not None and not isinstance(item[name], str):
            raise APIError(400, f"'{name}' must be a string.", param=name)
    fault = Fault(
        operation=operation,
        status=status,
        code=item.get("code"),
        message=item.get("message"),
        retry_after=retry_after,
        delay=delay,
        drop=drop,
        stall=stall,
        variant=item.get("variant"),
    )
    return fault, times


def _number(item: dict[str, Any], name: str, low: float, high: float) -> float:
    value = item.get(name, low)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise APIError(400, f"'{name}' must be a number from {low:g} to {high:g}.", param=name)
    return float(value)


class FaultQueue:
    """Pending faults per operation, taken in order (one event loop, no lock needed)."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Fault]] = {op: deque() for op in OPERATIONS}

    def add(self, faults: list[Fault]) -> None:
        for fault in faults:
            self._queues[fault.operation].append(fault)

    def take(self, operation: str, *, variant: str | None = None) -> Fault | None:
        queue = self._queues[operation]
        for index, fault in enumerate(queue):
            if fault.variant is None or fault.variant == variant:
                del queue[index]
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [fault.public() for queue in self._queues.values() for fault in queue]

    def clear(self) -> None:
        for queue in self._queues.values():
            queue.clear()


async def pause(request: Request, seconds: float) -> None:
    """Wait `seconds`, or less if the client goes away (a hung request must not outlive it)."""

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    if seconds > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(disconnected(), seconds)


class DroppedResponse(Response):
    """Announce a body, then end without it: the client sees the connection cut mid-answer,
    after the work was done (uvicorn closes a connection whose response is incomplete)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
            }
        )
        await send({"type": "http.response.body", "body": b"{", "more_body": True})


class StalledResponse(Response):
    """Send all but the last byte of `data`, wait (until the client leaves), then the rest."""

    def __init__(self, request: Request, data: bytes, media_type: str, seconds: float) -> None:
        super().__init__(media_type=media_type)
        self._request, self._data, self._type, self._seconds = request, data, media_type, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        data = self._data
        headers = [
            (b"content-type", self._type.encode()),
            (b"content-length", str(len(data)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": data[:-1], "more_body": True})
        await pause(self._request, self._seconds)
        await send({"type": "http.response.body", "body": data[-1:], "more_body": False})
