"""`SpendLedger`: what videos cost, the same on every implementation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sora2.domain import User, Video, VideoStatus
from sora2.ports import SpendLedger, UserRepository, VideoChanges, VideoStore


async def test_spend_counts_final_or_estimated_costs_but_not_failures(
    store: VideoStore, ledger: SpendLedger, owner: User, make_video: Callable[..., Video]
) -> None:
    await store.add(make_video(owner.id, estimated_cost=0.8, cost=0.8, created_at=10.0,
                               status=VideoStatus.COMPLETED))  # fmt: skip
    await store.add(make_video(owner.id, estimated_cost=1.2, created_at=20.0))
    await store.add(make_video(owner.id, estimated_cost=5.0, created_at=30.0,
                               status=VideoStatus.FAILED))  # fmt: skip
    await store.add(make_video(owner.id, created_at=40.0))  # made before costs were recorded

    assert await ledger.spend(user_id=owner.id) == (2.0, 3)
    assert await ledger.spend(user_id=owner.id, since=15.0) == (1.2, 2)
    assert await ledger.spend(user_id=None) == (2.0, 3)
    assert await ledger.spend(user_id="someone-else") == (0.0, 0)
    assert sorted(await ledger.spend_by_video(owner.id, since=0)) == [
        (10.0, 0.8),
        (20.0, 1.2),
        (40.0, 0.0),
    ]


async def test_the_final_cost_replaces_the_estimate_and_a_failure_refunds_it(
    store: VideoStore, ledger: SpendLedger, owner: User, make_video: Callable[..., Video]
) -> None:
    cheaper = make_video(owner.id, estimated_cost=1.0, created_at=10.0)
    failing = make_video(owner.id, estimated_cost=2.0, created_at=20.0)
    await store.add(cheaper)
    await store.add(failing)
    assert await ledger.spend(user_id=owner.id) == (3.0, 2)

    await store.apply(cheaper.id, VideoChanges(status=VideoStatus.COMPLETED, cost=0.5))
    await store.apply(failing.id, VideoChanges(status=VideoStatus.FAILED))

    assert await ledger.spend(user_id=owner.id) == (0.5, 1)
    assert await ledger.spend_by_video(owner.id, since=0) == [(10.0, 0.5)]


async def test_spend_of_everyone_and_since_a_time(
    users: UserRepository,
    store: VideoStore,
    ledger: SpendLedger,
    owner: User,
    make_user: Callable[..., User],
    make_video: Callable[..., Video],
) -> None:
    other = make_user()
    await users.add(other)
    await store.add(make_video(owner.id, estimated_cost=0.25, created_at=100.0))
    await store.add(make_video(other.id, estimated_cost=0.5, created_at=200.0))
    await store.add(make_video(other.id, cost=1.5, created_at=300.0,
                               status=VideoStatus.COMPLETED))  # fmt: skip

    total, count = await ledger.spend(user_id=None)
    assert (total, count) == (pytest.approx(2.25), 3)
    # `since` is inclusive.
    assert await ledger.spend(user_id=None, since=200.0) == (2.0, 2)
    assert await ledger.spend(user_id=other.id, since=300.0) == (1.5, 1)
    assert await ledger.spend_by_video(other.id, since=250.0) == [(300.0, 1.5)]
    assert await ledger.spend_by_video(owner.id, since=100.5) == []
