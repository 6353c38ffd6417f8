"""Two users create, remix, get, delete and list videos in an order Hypothesis picks, over real
HTTP against one live server. Whatever the order: nobody ever sees another's video, every listed
video exists, a deleted video is gone, and a foreign id is answered like a missing one.

Rendering is the expensive part, so most videos made here carry the simulator's `[fail]` marker
(they fail without being rendered); each user also has one completed video from before the run
(a "seed") that remixes start from.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from tests.support.attack import Tenant, completed, create_video, tenants
from tests.support.server import LiveServer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

USERS = 2
FAIL = "[fail]"  # the simulator fails such a video at half time, without rendering it


class TwoUsers(RuleBasedStateMachine):
    """The model: which videos each user has (and which they deleted). The server must agree."""

    # Set by the test: one server, its users and their seeds, for every example.
    tenants: ClassVar[list[Tenant]] = []
    seed_ids: ClassVar[list[str]] = []
    done: ClassVar[Counter[str]] = Counter()  # what succeeded, over all examples

    videos = Bundle("videos")  # (owner index, video id) made in this example
    seeds = Bundle("seeds")  # (owner index, video id) of the completed videos made before

    def __init__(self) -> None:
        super().__init__()
        self.owned: list[set[str]] = [{seed} for seed in self.seed_ids]
        self.deleted: set[str] = set()
        self.prompts: dict[str, str] = {}
        for user, seed in enumerate(self.seed_ids):
            self.prompts[seed] = self.client(user).get(f"/api/videos/{seed}").json()["prompt"]

    @initialize(target=seeds)
    def the_seeds(self) -> Any:
        return multiple(*enumerate(self.seed_ids))

    def client(self, user: int) -> httpx.Client:
        return self.tenants[user].http

    def where(self, what: str, response: httpx.Response) -> str:
        return f"{what}: {response.status_code} {response.text[:300]}"

    # -- rules ----------------------------------------------------------------------------------

    @rule(target=videos, user=st.integers(0, USERS - 1))
    def create(self, user: int) -> Any:
        prompt = f"{FAIL} user {user}'s video {uuid.uuid4().hex[:8]}"
        response = self.client(user).post(
            "/api/videos", data={"prompt": prompt, "seconds": "4", "size": "720x1280"}
        )
        assert response.status_code == 201, self.where("create", response)
        video = response.json()
        assert video["user_id"] == self.tenants[user].id
        self.owned[user].add(video["id"])
        self.done["create"] += 1
        self.prompts[video["id"]] = prompt
        return (user, video["id"])

    @rule(target=videos, user=st.integers(0, USERS - 1), source=st.one_of(videos, seeds))
    def remix(self, user: int, source: tuple[int, str]) -> Any:
        owner, video_id = source
        response = self.client(user).post(
            f"/api/videos/{video_id}/remix", json={"prompt": f"{FAIL} user {user}'s change"}
        )
        if owner != user or video_id in self.deleted:
            assert response.status_code == 404, self.where(
                f"remix of {owner}'s by {user}", response
            )
            assert response.json() == {"error": "video not found"}
            return multiple()
        if response.status_code == 409:  # not completed yet: nothing made
            return multiple()
        assert response.status_code == 201, self.where("remix", response)
        remix = response.json()
        assert remix["user_id"] == self.tenants[user].id and remix["remixed_from"] == video_id
        self.owned[user].add(remix["id"])
        self.done["remix"] += 1
        self.prompts[remix["id"]] = remix["prompt"]
        return (user, remix["id"])

    @rule(user=st.integers(0, USERS - 1), target=videos, source=consumes(videos))
    def delete(self, user: int, source: tuple[int, str]) -> Any:
        owner, video_id = source
        response = self.client(user).delete(f"/api/videos/{video_id}")
        if owner == user and video_id not in self.deleted:
            assert response.status_code == 200, self.where("delete", response)
            self.owned[user].discard(video_id)
            self.deleted.add(video_id)
            self.done["delete"] += 1
            return (owner, video_id)  # still a known id: later rules aim at a deleted video
        assert response.status_code == 404, self.where(f"delete of {owner}'s by {user}", response)
        return source

    @rule(user=st.integers(0, USERS - 1), source=seeds)
    def delete_a_seed(self, user: int, source: tuple[int, str]) -> None:
        """Only tried on the other user's seed: one's own must last for the next examples."""
        owner, video_id = source
        if owner != user:
            response = self.client(user).delete(f"/api/videos/{video_id}")
            assert response.status_code == 404, self.where(f"delete of {owner}'s seed", response)

    @rule(user=st.integers(0, USERS - 1), source=st.one_of(videos, seeds))
    def get(self, user: int, source: tuple[int, str]) -> None:
        owner, video_id = source
        response = self.client(user).get(f"/api/videos/{video_id}")
        if owner == user and video_id not in self.deleted:
            assert response.status_code == 200, self.where("get", response)
            video = response.json()
            assert video["user_id"] == self.tenants[user].id
            assert video["prompt"] == self.prompts[video_id]
        else:
            assert response.status_code == 404, self.where(f"get of {owner}'s by {user}", response)
            assert response.json() == {"error": "video not found"}

    @rule(user=st.integers(0, USERS - 1), source=st.one_of(videos, seeds))
    def filtered_list(self, user: int, source: tuple[int, str]) -> None:
        """The filters of the list only ever narrow one's own videos."""
        _, video_id = source
        response = self.client(user).get(
            "/api/videos", params={"remixed_from": video_id, "q": self.prompts[video_id]}
        )
        assert response.status_code == 200, self.where("filtered list", response)
        for video in response.json()["videos"]:
            assert video["id"] in self.owned[user], f"user {user} listed {video['id']}"

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def each_list_is_exactly_ones_own(self) -> None:
        for user in range(USERS):
            response = self.client(user).get("/api/videos", params={"limit": 100})
            assert response.status_code == 200, self.where("list", response)
            listed = [video["id"] for video in response.json()["videos"]]
            assert len(listed) == len(set(listed)), "a video listed twice"
            foreign = set(listed) - self.owned[user]
            assert not foreign, f"user {user} sees videos that are not theirs: {foreign}"
            assert set(listed) == self.owned[user], (
                f"user {user}'s list misses {self.owned[user] - set(listed)}"
            )
            assert all(
                video["user_id"] == self.tenants[user].id for video in response.json()["videos"]
            )

    @invariant()
    def every_listed_video_exists(self) -> None:
        for user in range(USERS):
            for video_id in self.owned[user]:
                response = self.client(user).get(f"/api/videos/{video_id}")
                assert response.status_code == 200, self.where("get of a listed video", response)

    def teardown(self) -> None:
        """The next example starts from empty lists (the server is shared)."""
        for user in range(USERS):
            for video_id in self.owned[user] - set(self.seed_ids):
                self.client(user).delete(f"/api/videos/{video_id}")


def test_two_users_in_any_order_never_see_each_others_videos(
    server: LiveServer, admin: httpx.Client
) -> None:
    with tenants(server, admin, USERS) as made:
        seeds = [create_video(user.http, f"user {n}'s seed") for n, user in enumerate(made)]
        TwoUsers.tenants = made
        TwoUsers.done.clear()
        TwoUsers.seed_ids = [
            completed(user.http, seed)["id"] for user, seed in zip(made, seeds, strict=True)
        ]
        run_state_machine_as_test(
            TwoUsers,
            settings=settings(
                max_examples=12,
                stateful_step_count=10,
                deadline=None,
                database=None,  # no example database in the work tree
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    assert min(TwoUsers.done[what] for what in ("create", "remix", "delete")) > 0, TwoUsers.done
