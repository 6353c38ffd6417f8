"""Waiting on a condition instead of sleeping on the wall clock.

    from tests.support.waiting import wait_until, wait_until_async

    wait_until(lambda: upstream.pending_faults() == [], message="no request reached the step")
    video = wait_until(lambda: done_or_none(client, video_id))  # returns the first truthy value
    await wait_until_async(lambda: len(recorder.events) >= 2)

A condition that holds returns at once; one that never does fails after a deadline that is roomy
on purpose (`PATIENCE` seconds unless told): a busy machine slows the work down, and only a
hang, never a slow run, should fail a test. Deadlines are on the monotonic clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

PATIENCE = 60.0  # seconds: far beyond what any condition here takes on an idle machine


def wait_until(
    predicate: Callable[[], T],
    timeout: float = PATIENCE,
    *,
    interval: float = 0.02,
    message: str | Callable[[], str] = "the condition never held",
) -> T:
    """Call `predicate` until it returns something truthy, and return that; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"{text} (waited {timeout:g} s)")
        time.sleep(interval)


async def wait_until_async(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float = PATIENCE,
    *,
    interval: float = 0.02,
    message: str | Callable[[], str] = "the condition never held",
) -> T:
    """`wait_until` for a running event loop; `predicate` may be a coroutine function."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"{text} (waited {timeout:g} s)")
        await asyncio.sleep(interval)
