"""The signing rules of media links, without a server: signature, expiry, strict encoding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sora2.errors import PermissionDenied
from sora2.services.media.links import (
    EXPIRED,
    INVALID,
    MediaGrant,
    MediaUrlService,
    derive_media_key,
)
from tests.support.fakes import FakeClock

GRANT = MediaGrant(
    user_id="u-1", video_id="v-1", variant="video", expires_at=1_000, token_version=3
)


def service(clock: FakeClock, secret: str = "s" * 32) -> MediaUrlService:
    # sign and verify use neither repository.
    unused: Any = None
    return MediaUrlService(
        key=derive_media_key(secret), ttl_seconds=900, users=unused, videos=unused, clock=clock
    )


def test_a_link_verifies_until_it_expires() -> None:
    clock = FakeClock(999.5)
    links = service(clock)
    token = links.sign(GRANT)
    assert links.verify(token) == GRANT
    clock.set(1_000)
    with pytest.raises(PermissionDenied, match=EXPIRED):
        links.verify(token)


def test_the_key_is_derived_and_secret_specific() -> None:
    assert derive_media_key("s" * 32) != ("s" * 32).encode()
    token = service(FakeClock(0)).sign(GRANT)
    with pytest.raises(PermissionDenied, match=INVALID):
        service(FakeClock(0), secret="t" * 32).verify(token)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace(".", ""),
        lambda t: "." + t.split(".")[1],
        lambda t: t + "=",
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.split(".")[0] + ".!!",
        lambda t: t.split(".")[0][:-1] + "." + t.split(".")[1],
        lambda t: "é" + t,
        lambda t: t * 20,
    ],
)
def test_any_change_to_a_token_is_refused(mangle: Callable[[str], str]) -> None:
    links = service(FakeClock(0))
    token = links.sign(GRANT)
    with pytest.raises(PermissionDenied, match=INVALID):
        links.verify(mangle(token))
