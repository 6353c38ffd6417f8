"""Whether this process can serve: each named check (the database, ...) answers in time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

Check = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Each check's answer: "ok", or the name of what it raised (or "timeout")."""

    checks: dict[str, str]

    @property
    def ok(self) -> bool:
        return all(answer == "ok" for answer in self.checks.values())


class HealthService:
    def __init__(self, *, checks: Mapping[str, Check], timeout: float = 5.0) -> None:
        self._checks = dict(checks)
        self._timeout = timeout

    async def report(self) -> HealthReport:
        names = list(self._checks)
        answers = await asyncio.gather(*(self._run(self._checks[name]) for name in names))
        return HealthReport(checks=dict(zip(names, answers, strict=True)))

    async def _run(self, check: Check) -> str:
        try:
            await asyncio.wait_for(check(), timeout=self._timeout)
        except TimeoutError:
            return "timeout"
        except Exception as exc:  # any failure means "not ready"; its name says which
            return type(exc).__name__
        return "ok"
