"""The Host allow-list's matching rules and defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from sora2.api.middleware.hosts import HostPolicy
from sora2.config import Settings


def settings(**fields: object) -> Settings:
    return Settings(_env_file=None, data_dir=Path("unused"), **fields)  # type: ignore[arg-type]


def test_loopback_defaults_answer_loopback_names_on_any_port() -> None:
    policy = HostPolicy.from_settings(settings())
    for host in ("localhost", "localhost:3000", "LocalHost.:80", "127.0.0.1:1", "[::1]:3000"):
        assert policy.allows(host), host
    for host in (None, "", "evil.example", "10.0.0.1", "localhost.evil.example", "[::2]"):
        assert not policy.allows(host), host


def test_beyond_loopback_any_address_and_the_listen_name_are_answered() -> None:
    policy = HostPolicy.from_settings(settings(host="0.0.0.0"))
    for host in ("10.1.2.3:3000", "[2001:db8::1]", "[2001:DB8:0::1]:443", "localhost"):
        assert policy.allows(host), host
    assert not policy.allows("videos.example.com")
    named = HostPolicy.from_settings(settings(host="videos.lan"))
    assert named.allows("videos.lan:3000") and not named.allows("other.lan")


def test_configured_names_replace_the_defaults() -> None:
    policy = HostPolicy.from_settings(settings(allowed_hosts="videos.example.com, *.example.org"))
    assert policy.allows("videos.example.com:8443")
    assert policy.allows("a.b.example.org")
    assert not policy.allows("example.org")
    assert not policy.allows("badexample.org")
    assert not policy.allows("localhost")
    assert HostPolicy.from_settings(settings(allowed_hosts="*")).allows("anything.at.all")


@pytest.mark.parametrize(
    "value", ["https://videos.example.com", "videos.example.com:443", "a/b", "*example.com", "a b"]
)
def test_malformed_entries_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not a host name"):
        settings(allowed_hosts=value)
