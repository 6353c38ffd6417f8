"""Every list route takes `limit` and `offset` the same way: capped, bounded, clear 400s."""

from __future__ import annotations

import httpx

from sora2.api.pagination import MAX_OFFSET
from tests.support.server import LiveServer

PAGE_SIZE_MAX = 100  # the default SORA2_PAGE_SIZE_MAX the test server runs with
LIST_ROUTES = ("/api/videos", "/api/audit")


def test_list_routes_cap_limit_and_refuse_bad_pages(
    server: LiveServer, admin: httpx.Client
) -> None:
    for path in LIST_ROUTES:
        check_pages(admin, path)


def check_pages(admin: httpx.Client, path: str) -> None:
    huge = admin.get(path, params={"limit": 10**30})
    assert huge.status_code == 200, huge.text
    assert huge.json()["limit"] == PAGE_SIZE_MAX
    assert admin.get(path, params={"limit": 7, "offset": MAX_OFFSET}).json()["offset"] == MAX_OFFSET
    for params in (
        {"limit": 0},
        {"limit": -5},
        {"offset": -1},
        {"offset": MAX_OFFSET + 1},
        {"offset": 10**30},  # would overflow the database's integers
        {"limit": "ten"},
        {"limit": "1.5"},
    ):
        response = admin.get(path, params=params)
        assert response.status_code == 400, (params, response.text)
        (name,) = params
        assert name in response.json()["error"], response.text
