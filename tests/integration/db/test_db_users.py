"""SqlUserRepository against SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sora2.db.repositories import SqlUserRepository, SqlVideoRepository
from sora2.domain import User, Video
from sora2.errors import Conflict


async def test_a_user_reads_back_as_stored(
    users: SqlUserRepository, make_user: Callable[..., User]
) -> None:
    alice = make_user(username="Alice", is_admin=True, created_at=1_700_000_000.123456)

    await users.add(alice)

    assert await users.get(alice.id) == alice
    assert await users.get("no-such-id") is None
    assert await users.count() == 1


async def test_usernames_are_found_and_unique_regardless_of_case(
    users: SqlUserRepository, make_user: Callable[..., User]
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


async def test_list_is_oldest_first(
    users: SqlUserRepository, make_user: Callable[..., User]
) -> None:
    late = make_user(username="late", created_at=30.0)
    early = make_user(username="early", created_at=10.0)
    middle = make_user(username="middle", created_at=20.0)
    for user in (late, early, middle):
        await users.add(user)

    assert [user.username for user in await users.list()] == ["early", "middle", "late"]
    assert await users.count() == 3


async def test_set_password_replaces_the_hash_and_revokes_older_tokens(
    users: SqlUserRepository, make_user: Callable[..., User]
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


async def test_deleting_a_user_deletes_their_videos_only(
    users: SqlUserRepository,
    videos: SqlVideoRepository,
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    alice, bob = make_user(), make_user()
    await users.add(alice)
    await users.add(bob)
    alices, bobs = make_video(alice.id), make_video(bob.id)
    await videos.add(alices)
    await videos.add(bobs)

    assert await users.delete(alice.id) is True
    assert await users.delete(alice.id) is False

    assert await users.get(alice.id) is None
    assert await videos.get(alices.id) is None
    assert await videos.get(bobs.id) == bobs
