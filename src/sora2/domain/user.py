"""Users of the platform."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class User:
    id: str
    username: str
    password_hash: str
    is_admin: bool
    created_at: float
    # Bumped on password change: every token issued before carries an older version and is refused.
    token_version: int = 0
