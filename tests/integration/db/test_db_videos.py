"""What only the SQL video table enforces (the behaviour every `VideoStore` shares is in
contracts/test_video_store.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import exc as sa_exc

from sora2.db.repositories import SqlVideoStore
from sora2.domain import Video


async def test_a_video_of_an_unknown_user_is_refused_loudly(
    videos: SqlVideoStore, make_video: Callable[..., Video]
) -> None:
    with pytest.raises(sa_exc.IntegrityError):
        await videos.add(make_video("no-such-user"))
