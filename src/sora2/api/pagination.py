"""`limit` and `offset` of every list route, checked the same way (`PageDep`).

`limit` must be at least 1 and is capped at SORA2_PAGE_SIZE_MAX (the answer says which limit
was used); `offset` must be between 0 and MAX_OFFSET, so that no value reaches the database
as a number it cannot hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, Query, Request

from sora2.api.deps import container_of
from sora2.errors import InvalidInput

DEFAULT_LIMIT: Final = 50
MAX_OFFSET: Final = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Page:
    limit: int
    offset: int


async def page_params(  # async: no worker-thread hop (deps.py)
    request: Request,
    limit: Annotated[
        int, Query(ge=1, description="Max results (at least 1; capped at SORA2_PAGE_SIZE_MAX)")
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Pagination offset (0 or more)")
    ] = 0,
) -> Page:
    if limit < 1:
        raise InvalidInput("limit must be at least 1")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}")
    return Page(limit=min(limit, container_of(request).settings.page_size_max), offset=offset)


PageDep = Annotated[Page, Depends(page_params)]
