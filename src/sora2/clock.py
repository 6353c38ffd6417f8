"""The system clock: the one `Clock` production services read (tests pass their own)."""

from __future__ import annotations

import time


class SystemClock:
    """Unix time in seconds, as `time.time()` gives it."""

    def now(self) -> float:
        return time.time()
