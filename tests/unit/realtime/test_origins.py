"""Which Origin headers may open a socket: the server's own host, plus the allow-list."""

from __future__ import annotations

import pytest

from sora2.realtime.origins import OriginPolicy

HOST = {"HTTP_HOST": "videos.example.com:3000"}


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),  # programs send no Origin: nothing to check
        ("", True),
        ("http://videos.example.com:3000", True),
        ("https://videos.example.com:3000", True),  # behind a TLS proxy: same host
        ("HTTP://Videos.Example.com:3000", True),
        ("http://videos.example.com", False),  # another port
        ("http://videos.example.com:3000.evil.net", False),
        ("https://app.example.org", True),
        ("https://app.example.org/", True),
        ("http://app.example.org", False),
        ("https://evil.example.org", False),
        ("null", False),
    ],
)
def test_same_host_and_allow_listed_origins(origin: str | None, allowed: bool) -> None:
    policy = OriginPolicy(["https://App.example.org/"])

    assert policy(origin, HOST) is allowed


def test_without_a_host_header_only_the_allow_list_counts() -> None:
    policy = OriginPolicy(["https://app.example.org"])

    assert policy("https://app.example.org", {}) is True
    assert policy("http://anything", {}) is False
    assert policy("http://anything") is False
