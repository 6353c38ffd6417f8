"""Two tenants of one live server, for the attack suites (tests/integration/security/).

A *victim* owns things (a completed video with a secret prompt, its remix, its files); an
*attacker* is another ordinary user of the same server who knows every id of the victim's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.server import LiveServer, wait_for_status

VARIANTS = ("video", "thumbnail", "spritesheet")
FINISHED = {"completed", "failed"}


@dataclass
class Tenant:
    id: str
    username: str
    password: str
    token: str
    http: httpx.Client


@dataclass
class Victim:
    """What a victim owns, and the exact bytes and text that must never reach anyone else."""

    tenant: Tenant
    video: dict[str, Any]
    remix: dict[str, Any]
    secret: str
    media: dict[str, bytes] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [self.video["id"], self.remix["id"], self.tenant.id]


@contextmanager
def tenants(server: LiveServer, admin: httpx.Client, count: int) -> Iterator[list[Tenant]]:
    """`count` new ordinary users of `server`, each with its own logged-in HTTP client."""
    made: list[Tenant] = []
    try:
        for _ in range(count):
            name, password = f"user-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
            created = admin.post("/api/users", json={"username": name, "password": password})
            assert created.status_code == 201, created.text
            token = server.login(name, password)
            made.append(Tenant(created.json()["id"], name, password, token, server.client(token)))
        yield made
    finally:
        for tenant in made:
            tenant.http.close()


def create_video(client: httpx.Client, prompt: str) -> dict[str, Any]:
    response = client.post("/api/videos", data={"prompt": prompt, "seconds": "4"})
    assert response.status_code == 201, response.text
    video: dict[str, Any] = response.json()
    return video


def completed(client: httpx.Client, video: dict[str, Any]) -> dict[str, Any]:
    done = wait_for_status(client, video["id"], FINISHED)
    assert done["status"] == "completed", done
    return done


def make_victim(tenant: Tenant) -> Victim:
    """A completed video with a secret prompt, a completed remix of it, and their files."""
    secret = f"victim-secret-{uuid.uuid4().hex}"
    video = completed(tenant.http, create_video(tenant.http, f"{secret} in the rain"))
    remix = tenant.http.post(f"/api/videos/{video['id']}/remix", json={"prompt": f"{secret} red"})
    assert remix.status_code == 201, remix.text
    victim = Victim(tenant, video, completed(tenant.http, remix.json()), secret)
    for variant in VARIANTS:
        content = tenant.http.get(f"/api/videos/{video['id']}/content", params={"variant": variant})
        assert content.status_code == 200, content.text
        victim.media[variant] = content.content
    return victim


def leaks(victim: Victim, body: bytes) -> list[str]:
    """What of the victim's `body` gives away: its secret prompt text, bytes of its files."""
    found = []
    if victim.secret.encode() in body:
        found.append("the secret prompt")
    for variant, data in victim.media.items():
        # A 64-byte run from inside the file (headers are alike in every file of a kind).
        for start in (len(data) // 3, 2 * len(data) // 3):
            if data[start : start + 64] in body:
                found.append(f"bytes of the {variant}")
                break
    return found


def unknown_id() -> str:
    return str(uuid.uuid4())
