"""The video and the model as every client sees them (sora2.wire): one shape for REST,
Socket.IO and MCP, in the guide's field names and order."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from sora2.config import Settings
from sora2.container import load_catalogue
from sora2.domain import Video, VideoStatus
from sora2.wire import ModelPublic, VideoPage, VideoPublic, video_fields

WIRE = Path(__file__).resolve().parents[2] / "src" / "sora2" / "wire.py"


def _video(**changes: object) -> Video:
    fields: dict[str, object] = {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "user_id": "u-1",
        "prompt": "a red fox in snow",
        "model": "sora-2",
        "size": "1280x720",
        "seconds": 8,
        "status": VideoStatus.QUEUED,
        "progress": 0,
        "created_at": 1_790_000_000.75,
        "provider": "openai",
    }
    return Video(**(fields | changes))  # type: ignore[arg-type]


FINISHED = _video(
    status=VideoStatus.COMPLETED,
    progress=100,
    upstream_id="video_123",
    completed_at=1_790_000_090.2,
    expires_at=1_790_086_490.9,
    remixed_from="11111111-2222-3333-4444-555555555555",
    remix_strategy="reprompt",
    estimated_cost=0.8,
    cost=0.8,
    # Kept by the platform, never sent.
    lease_owner="worker-1",
    upstream_model="sora-2-2026",
    attempts=2,
)


def test_a_new_video_as_clients_see_it() -> None:
    assert video_fields(_video()) == {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "user_id": "u-1",
        "openai_video_id": None,
        "prompt": "a red fox in snow",
        "model": "sora-2",
        "size": "1280x720",
        "seconds": "8",
        "status": "queued",
        "progress": 0,
        "created_at": 1_790_000_000,
        "completed_at": None,
        "expires_at": None,
        "error_message": None,
        "remixed_from": None,
        "remix_strategy": None,
        "continued_from": None,
        "estimated_cost": None,
        "cost": None,
    }


def test_a_finished_video_carries_times_in_unix_seconds_and_no_bookkeeping() -> None:
    fields = video_fields(FINISHED)
    assert (fields["status"], fields["openai_video_id"]) == ("completed", "video_123")
    assert (fields["completed_at"], fields["expires_at"]) == (1_790_000_090, 1_790_086_490)
    assert (fields["remix_strategy"], fields["estimated_cost"], fields["cost"]) == (
        "reprompt",
        0.8,
        0.8,
    )
    assert not {"lease_owner", "upstream_model", "attempts", "provider"} & set(fields)


def test_rest_and_socketio_send_the_same_bytes() -> None:
    # The REST body (the response model's JSON) and an event's `updates` (json.dumps of the
    # dict) are the same document: names, order, nulls.
    for video in (_video(), FINISHED):
        event_json = json.dumps(video_fields(video), separators=(",", ":"))
        assert VideoPublic.of(video).model_dump_json() == event_json
    assert list(video_fields(FINISHED)) == list(VideoPublic.model_fields)


def test_a_page_keeps_the_order_it_was_given() -> None:
    second = _video(id="22222222-0000-0000-0000-000000000000")
    page = VideoPage.of([FINISHED, second], limit=2, offset=4)
    body = json.loads(page.model_dump_json())
    assert [video["id"] for video in body["videos"]] == [FINISHED.id, second.id]
    assert (body["limit"], body["offset"]) == (2, 4)
    assert body["videos"][0] == video_fields(FINISHED)


def test_a_model_on_offer_as_clients_see_it() -> None:
    spec = next(iter(load_catalogue(Settings(_env_file=None))))
    body = json.loads(ModelPublic.of(spec).model_dump_json())
    assert list(body) == [
        "id",
        "provider",
        "description",
        "sizes",
        "seconds",
        "default_size",
        "default_seconds",
        "price_per_second",
        "supports_input_reference",
        "supports_remix",
    ]
    assert body["id"] == spec.id and body["sizes"] == list(spec.sizes)
    assert body["price_per_second"] == dict(spec.price_per_second)


def test_wire_depends_on_the_domain_only() -> None:
    tree = ast.parse(WIRE.read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sora2")
    }
    assert imported and all(module.startswith("sora2.domain") for module in imported)
