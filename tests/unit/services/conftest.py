"""The services' world: production wiring over in-memory fakes (tests/support/world.py)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.world import World, WorldFactory, build_world


@pytest.fixture
async def make_world(tmp_path: Path) -> AsyncIterator[WorldFactory]:
    """Build a world with other settings: `await make_world(max_concurrent=1, ...)`."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**options: Any) -> World:
            return await build_world(stack, tmp_path, **options)

        yield make


@pytest.fixture
async def world(make_world: WorldFactory) -> World:
    return await make_world()
