"""A clock that moves only when a test moves it."""

from __future__ import annotations

# Mid-November 2023: far from 0, so a forgotten "now" shows up as a huge age, not a tiny one.
DEFAULT_START = 1_700_000_000.0


class FakeClock:
    """`Clock` for tests: `now()` stays put until `advance()` or `set()` changes it."""

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by `seconds` (never backwards: use `set` for that); the new time."""
        if seconds < 0:
            raise ValueError(f"a clock advances by zero or more seconds, not {seconds}")
        self._now += seconds
        return self._now

    def set(self, t: float) -> None:
        """Jump to `t`, forwards or backwards (a wall clock stepped by NTP does both)."""
        self._now = t
