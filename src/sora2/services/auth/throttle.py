"""The login throttle: after N failed logins in a window, per username and per client address,
further attempts are refused (429) until the oldest counted failure leaves the window.

Its memory is the audit log's `login.failed` rows, so every API process sees the same counts and
a restart forgets nothing. An unknown username is counted exactly like a known one: the answer
never tells which names exist. A successful login clears its username's count, not its address's
(one valid account must not unlock guessing at others from the same place).
"""

from __future__ import annotations

from sora2.errors import RateLimited
from sora2.ports import AuditRepository, Clock

THROTTLED = "too many failed logins; try again later"


class LoginThrottle:
    def __init__(
        self,
        *,
        repository: AuditRepository,
        max_failures: int,
        window_seconds: float,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._max = max_failures
        self._window = window_seconds
        self._clock = clock

    async def check(self, *, username: str, client: str | None) -> None:
        """Raise `RateLimited` (with `retry_after`) when the name or the address is locked out."""
        now = self._clock.now()
        since = now - self._window
        counted = [
            await self._repository.recent_failures(since=since, limit=self._max, username=username)
        ]
        if client:
            counted.append(
                await self._repository.recent_failures(since=since, limit=self._max, client=client)
            )
        # The name or address is free again when its Nth most recent failure leaves the window.
        retry_after = max(
            (
                times[self._max - 1] + self._window - now
                for times in counted
                if len(times) >= self._max
            ),
            default=0.0,
        )
        if retry_after > 0:
            raise RateLimited(THROTTLED, retry_after=retry_after)
