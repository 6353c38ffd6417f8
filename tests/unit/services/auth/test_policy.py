"""NIST SP 800-63B rules for new passwords: length, blocklist, no composition rules."""

from __future__ import annotations

import pytest

from sora2.errors import InvalidInput
from sora2.services.auth.policy import MAX_LENGTH, PasswordPolicy, load_blocklist


@pytest.fixture(scope="module")
def policy() -> PasswordPolicy:
    return PasswordPolicy(blocklist=load_blocklist())


def refusal(policy: PasswordPolicy, password: str, username: str | None = None) -> str:
    with pytest.raises(InvalidInput) as caught:
        policy.check(password, username=username)
    return caught.value.message


def test_the_shipped_blocklist_is_a_real_one() -> None:
    blocklist = load_blocklist()
    assert len(blocklist) > 10_000
    assert {"password", "iloveyou", "12345678", "qwertyuiop"} <= blocklist


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "ÄÖÜ-ß-éèê-ñ",  # any characters
        "🦊🦊🦊🦊🦊🦊🦊🦊",
        "alllowercaseletters",  # no composition rules
        "x" * MAX_LENGTH,
    ],
)
def test_long_enough_uncommon_passwords_of_any_kind_are_accepted(
    policy: PasswordPolicy, password: str
) -> None:
    policy.check(password, username="alice")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 8 characters"),
        ("", "at least 8 characters"),
        ("x" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH} characters"),
        ("admin", "'admin' is not allowed"),
        (" ADMIN ", "'ADMIN' is not allowed"),
        ("sora2", "not allowed"),
        ("password", "commonly used or breached"),
        ("Password", "commonly used or breached"),
        ("iloveyou", "commonly used or breached"),
        ("qwertyuiop", "commonly used or breached"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(
    policy: PasswordPolicy, password: str, reason: str
) -> None:
    assert reason in refusal(policy, password)


def test_the_username_is_not_a_password(policy: PasswordPolicy) -> None:
    assert "username" in refusal(policy, "Alice.Example", username="alice.example")
