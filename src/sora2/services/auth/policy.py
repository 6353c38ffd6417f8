"""Which new passwords are accepted: NIST SP 800-63B, section 5.1.1.2 (memorized secrets).

- at least 8 characters, at most 256 (long passphrases welcome; the cap only bounds hashing work);
- any characters, spaces and emoji included, and no composition rules ("one digit, one symbol");
- refused when found in a blocklist of common and breached passwords (zxcvbn's list of the 30,000
  most common ones), or when it is the username, `admin` or the platform's name.

The comparison ignores case and surrounding spaces: `Password1` is as guessable as `password1`.
Existing passwords are never re-checked; the rules apply when one is set.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sora2.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 256
# Never acceptable, whatever the list says: the loopback-only default and the platform's names.
RESERVED = frozenset({"admin", "sora2", "sora"})


class PasswordPolicy:
    """Checks a new password; raises `InvalidInput` with a message a person can act on."""

    def __init__(self, *, blocklist: Iterable[str]) -> None:
        self._blocklist = frozenset(_normal(word) for word in blocklist)

    def check(self, password: str, *, username: str | None = None) -> None:
        normal = _normal(password)
        if normal in RESERVED:
            raise InvalidInput(f"password {password.strip()!r} is not allowed")
        length = len(password)
        if length < MIN_LENGTH:
            raise InvalidInput(f"password must be at least {MIN_LENGTH} characters long")
        if length > MAX_LENGTH:
            raise InvalidInput(f"password must be at most {MAX_LENGTH} characters long")
        if username is not None and normal == _normal(username):
            raise InvalidInput("password must not be the username")
        if normal in self._blocklist:
            raise InvalidInput(
                "this password is in a list of commonly used or breached passwords; "
                "choose another (a few unrelated words make a strong one)"
            )


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def load_blocklist() -> frozenset[str]:
    """zxcvbn's common-password list, only the entries long enough to pass the length rule."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words: list[str] = FREQUENCY_LISTS["passwords"]
    return frozenset(word for word in words if len(word) >= MIN_LENGTH)
