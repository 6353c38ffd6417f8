"""Broken object-level authorisation: user B, knowing every id of user A's, gets nothing of A's.

The REST matrix is generated from the live OpenAPI schema: every operation must be in `PROBES`
(how to aim it at A's objects, and what B must get) or in `NO_OBJECT_IDS` (why it names no
object of anyone else's). A route that is in neither fails the suite, so new routes get
covered. Each probe is sent with A's ids (in several spellings of a UUID) and with unknown ids:
the answers must be the same, so B cannot even learn that A's ids exist. Then the same for every
Socket.IO event, every MCP tool and resource, and the signed media URLs.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.integration.api.test_media_urls import reforged
from tests.integration.mcp.conftest import http_session, text_of
from tests.support.attack import (
    VARIANTS,
    Tenant,
    Victim,
    completed,
    create_video,
    leaks,
    make_victim,
    tenants,
    unknown_id,
)
from tests.support.server import LiveServer
from tests.support.sockets import SocketRecorder

pytestmark = pytest.mark.shared_server

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@dataclass(frozen=True)
class Probe:
    """One request aimed at A's objects. `{video}` (each of A's videos in turn), `{user}` (A's
    user id) and `{secret}` (A's prompt text) are filled in path, query and JSON values."""

    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    expect: int = 404
    head: bool = False  # also send it as HEAD (routes left out of the schema)


VIDEO = {"video_id": "{video}"}
MINE_NOW = {"prompt": "mine now"}

PROBES: dict[str, list[Probe]] = {
    "GET /api/videos/{video_id}": [Probe(VIDEO)],
    "DELETE /api/videos/{video_id}": [Probe(VIDEO)],
    "GET /api/videos/{video_id}/content": [
        Probe(VIDEO, head=True),
        *(Probe(VIDEO, {"variant": variant}, head=True) for variant in VARIANTS),
    ],
    "GET /api/videos/{video_id}/media-url": [
        Probe(VIDEO),
        *(Probe(VIDEO, {"variant": variant}) for variant in VARIANTS),
    ],
    "POST /api/videos/{video_id}/remix": [Probe(VIDEO, json=MINE_NOW)],
    "POST /api/videos/{video_id}/continue": [
        Probe(VIDEO, json=MINE_NOW),
        Probe(VIDEO, json={**MINE_NOW, "model": "sora-2-pro", "seconds": "4"}),
    ],
    # An id where a signed token belongs; forged and re-scoped tokens: test_signed_media_urls.
    "GET /api/media/{token}": [
        Probe({"token": "{video}"}, expect=403, head=True),
        Probe({"token": "{video}"}, {"download": "true"}, expect=403),
    ],
    # Filters over "my videos": B's own (empty) list whatever A's ids or prompt text say.
    "GET /api/videos": [
        Probe(query={"remixed_from": "{video}"}, expect=200),
        Probe(query={"q": "{secret}"}, expect=200),
        Probe(query={"status": "completed", "q": "{secret}"}, expect=200),
    ],
    # Admin routes: refused to an ordinary user before any lookup.
    "PUT /api/users/{user_id}/password": [
        Probe({"user_id": "{user}"}, json={"password": "taken-over"}, expect=403)
    ],
    "DELETE /api/users/{user_id}": [Probe({"user_id": "{user}"}, expect=403)],
    "GET /api/users": [Probe(expect=403)],
    "GET /api/audit": [Probe(query={"user": "{user}"}, expect=403)],
    "POST /api/users": [
        Probe(
            json={"username": "{secret}", "password": "a long passphrase", "is_admin": True},
            expect=403,
        )
    ],
}

NO_OBJECT_IDS: dict[str, str] = {
    "POST /api/auth/login": "takes credentials, no ids (throttling: test_auth_* / test_throttle*)",
    "GET /api/auth/me": "the caller's own user",
    "POST /api/auth/logout": "the caller's own sessions",
    "POST /api/auth/password": "the caller's own password (test_mass_assignment.py)",
    "POST /api/videos": "creates a video for the caller (test_mass_assignment.py)",
    "GET /api/videos/stats/costs": "the caller's own totals (checked in the matrix test)",
    "GET /api/models": "the model catalogue, the same for everyone",
    "POST /api/webhooks/openai": "signed by the provider, not a user (test_webhooks.py)",
    "GET /health": "no data of anyone's",
}

# A UUID is accepted in several spellings; each must lead to the same refusal.
SPELLINGS: dict[str, Callable[[str], str]] = {
    "canonical": str,
    "upper-case": str.upper,
    "braces": lambda value: "{" + value + "}",
    "urn": lambda value: f"urn:uuid:{value}",
    "hex": lambda value: value.replace("-", ""),
}


def operations(spec: dict[str, Any]) -> list[str]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in methods
    ]


def unclassified(spec: dict[str, Any]) -> list[str]:
    return [op for op in operations(spec) if op not in PROBES and op not in NO_OBJECT_IDS]


@dataclass(frozen=True)
class Sent:
    label: str
    response: httpx.Response


def fill(template: Any, values: dict[str, str]) -> Any:
    if isinstance(template, str):
        return re.sub(r"\{(video|user|secret)\}", lambda m: values[m.group(1)], template)
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    return template


def send(
    client: httpx.Client, operation: str, probe: Probe, values: dict[str, str]
) -> Iterator[Sent]:
    method, template = operation.split(" ", 1)
    params = fill(probe.path, values)
    assert set(params) == set(re.findall(r"\{(\w+)\}", template)), (
        f"{operation}: the probe fills {sorted(params)}"
    )
    path = template.format(**{name: _segment(value) for name, value in params.items()})
    query = fill(probe.query, values)
    body = fill(probe.json, values)
    label = f"{method} {path}" + (f"?{httpx.QueryParams(query)}" if query else "")
    yield Sent(label, client.request(method, path, params=query, json=body))
    if probe.head:
        yield Sent(f"HEAD {label[len(method) + 1 :]}", client.head(path, params=query))


def _segment(value: str) -> str:
    return httpx.URL("/").copy_with(path="/" + value).raw_path.decode()[1:]


def anonymised(response: httpx.Response, ids: list[str]) -> tuple[int, str]:
    text = response.text
    for value in sorted(ids, key=len, reverse=True):
        text = text.replace(value, "<id>")
    return response.status_code, text


def refusal_problems(sent: Sent, probe: Probe, victim: Victim) -> list[str]:
    response = sent.response
    problems = []
    if response.status_code != probe.expect:
        problems.append(f"status {response.status_code}, expected {probe.expect}")
    problems += [f"leaked {what}" for what in leaks(victim, response.content)]
    if sent.label.startswith("HEAD"):
        if response.content:
            problems.append("a HEAD answer with a body")
    elif probe.expect >= 400:
        if response.headers.get("content-type") != "application/json":
            problems.append(f"content-type {response.headers.get('content-type')}")
        elif set(response.json()) != {"error"}:
            problems.append(f"body {response.text[:200]}")
    elif response.json().get("videos") != []:
        problems.append(f"listed {response.text[:300]}")
    return problems


@pytest.fixture
def victim_and_attacker(server: LiveServer, admin: httpx.Client) -> Iterator[tuple[Victim, Tenant]]:
    with tenants(server, admin, 2) as (alice, bob):
        yield make_victim(alice), bob


def test_every_route_of_the_schema_is_in_the_bola_matrix(server: LiveServer) -> None:
    with server.client() as anonymous:
        spec = anonymous.get("/api/openapi.json").json()
    missing = unclassified(spec)
    assert not missing, (
        f"routes unknown to the BOLA matrix: {missing}. Add each to PROBES in {__file__} "
        "(how user B aims it at user A's objects, and what B must get) or to NO_OBJECT_IDS "
        "(why it names no object of anyone else's)."
    )
    stale = sorted(set(PROBES) - set(operations(spec)))
    assert not stale, f"the BOLA matrix probes routes the schema no longer has: {stale}"


def test_user_b_gets_nothing_of_user_a_through_any_route(
    server: LiveServer, admin: httpx.Client, victim_and_attacker: tuple[Victim, Tenant]
) -> None:
    """User B, and an admin too (admins are users: A's videos are A's alone), on A's ids."""
    victim, bob = victim_and_attacker
    with server.client() as anonymous:
        spec = anonymous.get("/api/openapi.json").json()
    assert not unclassified(spec), "see test_every_route_of_the_schema_is_in_the_bola_matrix"

    failures: list[str] = []
    count = 0
    attempts = [
        (attacker, operation, probe)
        for operation in operations(spec)
        for probe in PROBES.get(operation, [])
        for attacker in (bob.http, admin)
        # The admin-only routes are refused to B; an admin may use them by design.
        if attacker is bob.http or probe.expect != 403
    ]
    for attacker, operation, probe in attempts:
        who = "user B" if attacker is bob.http else "an admin"
        for target in (victim.video["id"], victim.remix["id"]):
            for spelling, spell in SPELLINGS.items():
                real = {"video": spell(target), "user": spell(victim.tenant.id)}
                real["secret"] = victim.secret
                fake = {"video": spell(unknown_id()), "user": spell(unknown_id())}
                fake["secret"] = f"no-such-prompt-{uuid.uuid4().hex}"
                aimed = list(send(attacker, operation, probe, real))
                control = list(send(attacker, operation, probe, fake))
                for sent, other in zip(aimed, control, strict=True):
                    count += 1
                    problems = refusal_problems(sent, probe, victim)
                    if anonymised(sent.response, list(real.values())) != anonymised(
                        other.response, list(fake.values())
                    ):
                        problems.append(
                            f"answered unlike an unknown id ({spelling}): "
                            f"{sent.response.status_code} {sent.response.text[:120]!r} vs "
                            f"{other.response.status_code} {other.response.text[:120]!r}"
                        )
                    failures += [f"{who}: {operation} as {sent.label}: {p}" for p in problems]
    assert not failures, "user A's objects were reached:\n" + "\n".join(failures)
    assert count > 200  # the matrix really ran

    # Nothing of A's changed, nothing was made for B, B's own views show nothing of A's.
    alice = victim.tenant.http
    for original in (victim.video, victim.remix):
        now = alice.get(f"/api/videos/{original['id']}")
        assert now.status_code == 200 and now.json()["prompt"] == original["prompt"]
    for variant, data in victim.media.items():
        content = alice.get(
            f"/api/videos/{victim.video['id']}/content", params={"variant": variant}
        )
        assert content.content == data, variant
    assert server.login(victim.tenant.username, victim.tenant.password)
    mine = bob.http.get("/api/videos")
    assert mine.status_code == 200 and mine.json()["videos"] == []
    assert not leaks(victim, mine.content)
    costs = bob.http.get("/api/videos/stats/costs")
    assert costs.status_code == 200, costs.text
    assert costs.json()["user_count"] == 0 and costs.json()["platform_total"] is None
    me = bob.http.get("/api/auth/me").json()
    assert me["id"] == bob.id and me["is_admin"] is False


@sqlite_only
async def test_socket_events_give_user_b_nothing_of_user_a(
    server: LiveServer, admin: httpx.Client
) -> None:
    handlers = server.realtime.server.handlers
    events = {event for namespace in handlers.values() for event in namespace}
    # connect: the token check (tests/integration/realtime/test_auth.py); "*": whatever else a
    # client emits (dropped, rate-limited): probed below with events a client might guess.
    probed = {"connect", "disconnect", "request_video_status", "*"}
    assert events <= probed, (
        f"Socket.IO events unknown to the BOLA suite: {sorted(events - probed)}; probe them in "
        f"{__file__}"
    )
    bob_socket, alice_socket = SocketRecorder(), SocketRecorder()
    secret = f"victim-secret-{uuid.uuid4().hex}"
    try:
        with tenants(server, admin, 2) as (alice, bob):
            await bob_socket.connect(server.url, bob.token)
            await alice_socket.connect(server.url, alice.token)
            video = create_video(alice.http, secret)
            await alice_socket.wait_until_finished(video["id"])
            for spelling, spell in SPELLINGS.items():
                aimed = await bob_socket.request_status({"video_id": spell(video["id"])})
                control = await bob_socket.request_status({"video_id": spell(unknown_id())})
                assert aimed == control == {"error": "video not found"}, (
                    f"request_video_status ({spelling}) answered {aimed!r}"
                )
            for guess in ("video_update", "get_video", "subscribe", "join", "enter_room"):
                await bob_socket.client.emit(guess, {"video_id": video["id"], "room": alice.id})
                await bob_socket.client.emit(guess, alice.id)
            await bob_socket.request_status({"video_id": unknown_id()})  # after the guesses
            # A's own socket gets it: the refusals above were about B, not about the video.
            own = await alice_socket.request_status({"video_id": video["id"]})
            assert own["updates"]["prompt"] == secret
            # One more event of A's after B's guesses at joining A's room: A's deletion.
            assert alice.http.delete(f"/api/videos/{video['id']}").status_code == 200
            await alice_socket.wait_for(
                lambda: {"deleted": True} in alice_socket.updates_for(video["id"])
            )
    finally:
        await bob_socket.close()
        await alice_socket.close()
    assert bob_socket.updates == [], "video_update of user A's video reached user B"
    assert all(error == {"error": "video not found"} for error in bob_socket.errors)
    assert secret not in json.dumps(bob_socket.errors)


# How to aim each MCP tool at A's video; tools without a video id are checked for leaks.
MCP_TOOLS: dict[str, dict[str, Any]] = {
    "get_video": {},
    "wait_for_video": {"timeout_seconds": 1},
    "get_video_frames": {},
    "download_video": {},
    "remix_video": {"prompt": "mine now"},
    "delete_video": {},
}
MCP_TOOLS_WITHOUT_IDS = {"create_video", "list_videos", "list_models"}


@sqlite_only
async def test_mcp_tools_and_resources_give_user_b_nothing_of_user_a(
    server: LiveServer, victim_and_attacker: tuple[Victim, Tenant]
) -> None:
    victim, bob = victim_and_attacker
    async with http_session(server, bob.token) as mcp:
        tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
        unknown = set(tools) - set(MCP_TOOLS) - MCP_TOOLS_WITHOUT_IDS
        assert not unknown, f"MCP tools unknown to the BOLA suite: {sorted(unknown)}"
        for name in MCP_TOOLS:
            assert "video_id" in tools[name].input_schema["properties"], name
        failures = []
        for name, arguments in MCP_TOOLS.items():
            for target in (victim.video["id"], victim.remix["id"]):
                for spelling, spell in SPELLINGS.items():
                    result = await mcp.call_tool(name, {"video_id": spell(target), **arguments})
                    text = text_of(result)
                    dumped = result.model_dump_json().encode()
                    if not result.is_error or "video not found" not in text:
                        failures.append(f"tool {name} ({spelling}): {dumped[:300]!r}")
                    failures += [f"tool {name} leaked {what}" for what in leaks(victim, dumped)]
        listed = await mcp.call_tool("list_videos", {"query": victim.secret})
        failures += [
            f"tool list_videos leaked {what}"
            for what in leaks(victim, listed.model_dump_json().encode())
        ]
        assert "victim" not in text_of(listed)

        templates = (await mcp.list_resource_templates()).resource_templates
        uris = {template.uri_template for template in templates}
        assert uris == {"video://{video_id}", "video://{video_id}/thumbnail"}, uris
        for uri in uris:
            for target in (victim.video["id"], victim.remix["id"]):
                concrete = uri.replace("{video_id}", target)
                try:
                    read = await mcp.read_resource(concrete)
                except Exception as exc:  # the SDK raises the server's error
                    if "video not found" not in str(exc):
                        failures.append(f"resource {concrete}: {exc!r}")
                else:
                    failures.append(f"resource {concrete} was read: {read!r:.300}")
    assert not failures, "user B reached user A's video over MCP:\n" + "\n".join(failures)
    for original in (victim.video, victim.remix):
        assert victim.tenant.http.get(f"/api/videos/{original['id']}").status_code == 200


@sqlite_only
def test_a_signed_media_url_cannot_be_rescoped(
    server: LiveServer, victim_and_attacker: tuple[Victim, Tenant]
) -> None:
    victim, bob = victim_and_attacker
    own = completed(bob.http, create_video(bob.http, "Bob's own boat"))
    link = bob.http.get(f"/api/videos/{own['id']}/media-url").json()["url"]
    alice_link = victim.tenant.http.get(
        f"/api/videos/{victim.video['id']}/media-url", params={"variant": "thumbnail"}
    ).json()["url"]
    later = int(time.time()) + 3600
    attempts = {
        "B's link re-aimed at A's video": reforged(link, v=victim.video["id"]),
        "B's link re-aimed at A's video and user": reforged(
            link, v=victim.video["id"], u=victim.tenant.id
        ),
        "A's thumbnail link re-aimed at the video": reforged(alice_link, a="video"),
        "A's thumbnail link re-aimed at the spritesheet": reforged(alice_link, a="spritesheet"),
        "A's thumbnail link re-aimed at A's remix": reforged(alice_link, v=victim.remix["id"]),
        "A's thumbnail link made to last": reforged(alice_link, e=later),
        "A's link with B's signature": alice_link.rsplit(".", 1)[0] + "." + link.rsplit(".", 1)[1],
        "A's link unsigned": alice_link.rsplit(".", 1)[0],
    }
    failures = []
    with server.client() as browser:  # a media element: no bearer token
        assert browser.get(alice_link).content == victim.media["thumbnail"]
        for what, url in attempts.items():
            for response in (browser.get(url), browser.head(url)):
                if response.status_code != 403 or leaks(victim, response.content):
                    failures.append(f"{what}: {response.status_code} {response.content[:100]!r}")
                elif response.request.method == "GET":
                    assert response.json() == {"error": "invalid media link"}, what
    assert not failures, "a signed media URL was re-scoped:\n" + "\n".join(failures)


@sqlite_only
def test_user_admin_routes_refuse_ordinary_users_even_for_their_own_id(
    server: LiveServer, admin: httpx.Client
) -> None:
    with tenants(server, admin, 1) as (bob,):
        for method, path, body in (
            ("PUT", f"/api/users/{bob.id}/password", {"password": "a long passphrase"}),
            ("DELETE", f"/api/users/{bob.id}", None),
        ):
            response = bob.http.request(method, path, json=body)
            assert response.status_code == 403, (method, path, response.text)
        assert server.login(bob.username, bob.password)
    assert server.login("admin", ADMIN_PASSWORD)
