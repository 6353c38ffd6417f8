"""GET /api/videos filters (status, q, remixed_from) over real HTTP, on both databases."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import UserFactory
from tests.integration.api.test_videos import DONE, create
from tests.support.server import wait_for_status

pytestmark = pytest.mark.shared_server


def listed(client: httpx.Client, **params: str | int) -> list[str]:
    response = client.get("/api/videos", params=params)
    assert response.status_code == 200, response.text
    return [video["id"] for video in response.json()["videos"]]


def test_status_and_prompt_filters_combine(admin: httpx.Client) -> None:
    fox = create(admin, prompt="A red FOX in the snow").json()
    failed = create(admin, prompt="A red balloon [fail]").json()
    percent = create(admin, prompt="100% orange juice").json()
    for video in (fox, failed, percent):
        wait_for_status(admin, video["id"], DONE)

    assert listed(admin, q="red fox") == [fox["id"]]
    assert listed(admin, q="  RED ") == [failed["id"], fox["id"]]
    assert listed(admin, q="100%") == [percent["id"]]
    assert listed(admin, q="_") == []
    assert listed(admin, status="failed") == [failed["id"]]
    assert listed(admin, status="completed") == [percent["id"], fox["id"]]
    assert listed(admin, status="completed", q="red") == [fox["id"]]
    assert listed(admin, status="completed", limit=1, offset=1) == [fox["id"]]
    # Empty values mean "no filter", as an HTML form sends them.
    assert len(listed(admin, status="", q="")) == 3


def test_remixed_from_lists_the_remixes_of_one_video(
    admin: httpx.Client, make_user: UserFactory
) -> None:
    source = create(admin).json()
    wait_for_status(admin, source["id"], DONE)
    remix = admin.post(f"/api/videos/{source['id']}/remix", json={"prompt": "Make it red"})
    assert remix.status_code == 201, remix.text
    create(admin, prompt="unrelated")

    assert listed(admin, remixed_from=source["id"]) == [remix.json()["id"]]
    assert listed(admin, remixed_from=remix.json()["id"]) == []
    # Another user learns nothing about the source, whatever the filter.
    bob = make_user()
    assert listed(bob, remixed_from=source["id"]) == []


def test_bad_filters_are_400(admin: httpx.Client) -> None:
    for params, message in [
        ({"status": "done"}, "status must be one of: queued, in_progress, completed, failed"),
        ({"remixed_from": "not-a-uuid"}, "remixed_from must be a video id"),
        ({"q": "x" * 4001}, "q is too long"),
    ]:
        response = admin.get("/api/videos", params=params)
        assert response.status_code == 400, params
        assert message in response.json()["error"]
