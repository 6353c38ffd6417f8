"""`AuditRepository`: the trail and the login throttle's memory, the same on every
implementation."""

from __future__ import annotations

from sora2.domain import AuditAction, AuditEntry, LoginFailure
from sora2.ports import AuditRepository

FAILED = AuditAction.LOGIN_FAILED
SUCCEEDED = AuditAction.LOGIN_SUCCEEDED


async def test_entries_get_increasing_ids_and_read_back_newest_first(
    audit: AuditRepository,
) -> None:
    first = await audit.add(
        AuditEntry(
            at=10.0,
            action=AuditAction.USER_CREATED,
            actor_id="u-admin",
            target="u-ann",
            details={"is_admin": False},
        )
    )
    second = await audit.add(
        AuditEntry(
            at=20.0,
            action=AuditAction.VIDEO_DELETED,
            actor_id="u-ann",
            actor_name="ann",
            target="v-1",
            client="10.0.0.7",
        )
    )
    same_time = await audit.add(AuditEntry(at=20.0, action=AuditAction.LOGOUT, actor_id="u-ann"))

    assert first.id is not None and second.id is not None and same_time.id is not None
    assert first.id < second.id < same_time.id
    entries, total = await audit.page(limit=10, offset=0)
    assert total == 3
    assert entries == [same_time, second, first]
    assert entries[2].details == {"is_admin": False}

    page, total = await audit.page(limit=1, offset=1)
    assert (page, total) == ([second], 3)


async def test_pages_filter_by_action_and_by_the_actors_id_or_name(
    audit: AuditRepository,
) -> None:
    by_id = await audit.add(AuditEntry(at=1.0, action=AuditAction.LOGOUT, actor_id="u-ann"))
    by_name = await audit.add(
        AuditEntry(at=2.0, action=FAILED, actor_name="ann", reason=LoginFailure.WRONG_PASSWORD)
    )
    await audit.add(
        AuditEntry(at=3.0, action=FAILED, actor_name="bob", reason=LoginFailure.UNKNOWN_USER)
    )

    assert await audit.page(limit=10, offset=0, user="u-ann") == ([by_id], 1)
    # A name matches regardless of case and surrounding spaces.
    assert await audit.page(limit=10, offset=0, user=" ANN ") == ([by_name], 1)
    failures, total = await audit.page(limit=10, offset=0, action=FAILED)
    assert total == 2 and [entry.actor_name for entry in failures] == ["bob", "ann"]
    assert await audit.page(limit=10, offset=0, action=FAILED, user="u-ann") == ([], 0)


async def test_long_values_are_cut_to_fit(audit: AuditRepository) -> None:
    entry = AuditEntry(
        at=1.0,
        action=FAILED,
        actor_name="n" * 200,
        target="t" * 300,
        client="c" * 100,
        reason=LoginFailure.UNKNOWN_USER,
    )

    added = await audit.add(entry)

    assert added.actor_name == "n" * 200  # the entry as given, with its id
    [stored], _total = await audit.page(limit=1, offset=0)
    assert (stored.actor_name, stored.target, stored.client) == ("n" * 150, "t" * 255, "c" * 64)


async def test_recent_failures_count_since_the_last_success_by_name_or_by_client(
    audit: AuditRepository,
) -> None:
    def failure(at: float, reason: str, name: str = "ann", client: str = "10.0.0.1") -> AuditEntry:
        return AuditEntry(at=at, action=FAILED, actor_name=name, client=client, reason=reason)

    for entry in (
        failure(10.0, LoginFailure.WRONG_PASSWORD),
        AuditEntry(at=20.0, action=SUCCEEDED, actor_name="ann", client="10.0.0.1"),
        failure(30.0, LoginFailure.WRONG_PASSWORD),
        failure(40.0, LoginFailure.THROTTLED),  # refusals by the throttle do not count
        failure(50.0, LoginFailure.UNKNOWN_USER, name="bob"),
        failure(60.0, LoginFailure.WRONG_PASSWORD, client="10.0.0.2"),
        failure(70.0, LoginFailure.WRONG_PASSWORD),
    ):
        await audit.add(entry)

    assert await audit.recent_failures(since=0.0, limit=10, username="ann") == [70.0, 60.0, 30.0]
    assert await audit.recent_failures(since=30.0, limit=10, username="ann") == [70.0, 60.0]
    assert await audit.recent_failures(since=0.0, limit=1, username="ann") == [70.0]
    assert await audit.recent_failures(since=0.0, limit=10, username="bob") == [50.0]
    # By client, a success does not wipe the slate.
    assert await audit.recent_failures(since=0.0, limit=10, client="10.0.0.1") == [
        70.0,
        50.0,
        30.0,
        10.0,
    ]
    assert await audit.recent_failures(since=0.0, limit=10) == []
