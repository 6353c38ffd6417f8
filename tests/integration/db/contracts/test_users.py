"""`UserRepository`: the same on every implementation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sora2.domain import User, Video
from sora2.errors import Conflict
from sora2.ports import UserRepository, VideoStore


async def test_a_user_reads_back_as_stored(
    users: UserRepository, make_user: Callable[..., User]
) -> None:
    alice = make_user(username="Alice", is_admin=True, created_at=1_700_000_000.123456)

    await users.add(alice)

    assert await users.get(alice.id) == alice
    assert await users.get("no-such-id") is None
    assert await users.count() == 1


async def test_usernames_are_found_and_unique_regardless_of_case(
    users: UserRepository, make_user: Callable[..., User]
) -> None:
    alice = make_user(username="Alice")
    await users.add(alice)

    assert await users.get_by_username("alice") == alice
    assert await users.get_by_username("ALICE") == alice
    assert await users.get_by_username("bob") is None
    with pytest.raises(Conflict, match="alice"):
        await users.add(make_user(username="alice"))
    with pytest.raises(Conflict):
        await users.add(make_user(username="Alice"))
    assert await users.count() == 1


async def test_list_is_oldest_first(users: UserRepository, make_user: Callable[..., User]) -> None:
    late = make_user(username="late", created_at=30.0)
    early = make_user(username="early", created_at=10.0)
    middle = make_user(username="middle", created_at=20.0)
    for user in (late, early, middle):
        await users.add(user)

    assert [user.username for user in await users.list()] == ["early", "middle", "late"]
    assert await users.count() == 3


async def test_set_password_replaces_the_hash_and_revokes_older_tokens(
    users: UserRepository, make_user: Callable[..., User]
) -> None:
    alice = make_user()
    await users.add(alice)

    first = await users.set_password(alice.id, "new-hash")
    second = await users.set_password(alice.id, "newer-hash")

    assert first is not None
    assert (first.password_hash, first.token_version) == ("new-hash", 1)
    assert second is not None
    assert (second.password_hash, second.token_version) == ("newer-hash", 2)
    assert await users.get(alice.id) == second
    assert await users.set_password("no-such-id", "hash") is None


async def test_bump_token_version_keeps_the_password(
    users: UserRepository, make_user: Callable[..., User]
) -> None:
    alice = make_user()
    await users.add(alice)

    bumped = await users.bump_token_version(alice.id)

    assert bumped is not None
    assert (bumped.password_hash, bumped.token_version) == (alice.password_hash, 1)
    assert await users.get(alice.id) == bumped
    assert await users.bump_token_version("no-such-id") is None


async def test_deleting_a_user_deletes_their_videos_only(
    users: UserRepository,
    store: VideoStore,
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    alice, bob = make_user(), make_user()
    await users.add(alice)
    await users.add(bob)
    alices, bobs = make_video(alice.id), make_video(bob.id)
    await store.add(alices)
    await store.add(bobs)

    assert await users.delete(alice.id) is True
    assert await users.delete(alice.id) is False

    assert await users.get(alice.id) is None
    assert await store.get(alices.id) is None
    assert await store.get(bobs.id) == bobs
    assert await users.count() == 1
