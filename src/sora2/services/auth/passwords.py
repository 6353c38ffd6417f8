"""Password hashing with argon2id, run off the event loop (a hash costs tens of milliseconds),
and the rules a new password must follow (policy.py)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from sora2.services.auth.policy import PasswordPolicy


class Passwords:
    def __init__(
        self, *, policy: PasswordPolicy, time_cost: int = 3, memory_cost: int = 64 * 1024
    ) -> None:
        self._policy = policy
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, type=Type.ID)
        # Verifying against this when a username is unknown keeps both answers equally slow.
        self._dummy_hash = self._hasher.hash("not-a-password-of-anyone")

    def check_new(self, password: str, *, username: str | None = None) -> None:
        """Refuse a new password that breaks the policy (`InvalidInput`, with the reason)."""
        self._policy.check(password, username=username)

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no hash (unknown user) spend the same time and say no."""
        if password_hash is None:
            await asyncio.to_thread(self._verify, self._dummy_hash, password)
            return False
        return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
