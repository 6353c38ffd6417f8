"""The SDK's records against the API's schema, field by field: a field added to the wire (or a
type changed there) and not to the SDK fails here."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, create_model

from sora2.api.openapi import openapi_document
from sora2.client import Model, Video, VideoPage
from sora2.domain import Video as DomainVideo
from sora2.domain import VideoStatus
from sora2.wire import video_fields

# SDK record -> the API's schema it reads.
PAIRS: dict[type[BaseModel], str] = {
    Video: "VideoPublic",
    VideoPage: "VideoPage",
    Model: "ModelPublic",
}
SDK_NAMES = {sdk.__name__: wire for sdk, wire in PAIRS.items()}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    components: dict[str, Any] = openapi_document()["components"]["schemas"]
    return components


def _shape(schema: dict[str, Any], defs: dict[str, Any], names: dict[str, str]) -> Any:
    """What a JSON value of `schema` may be: its types, enum, items and nested records by
    name (constraints, titles, descriptions and defaults left out)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        target = defs[name]
        if "properties" in target:  # a record: compared on its own, here by name
            return {"record": names.get(name, name)}
        return _shape(target, defs, names)
    shape: dict[str, Any] = {key: schema[key] for key in ("type", "enum") if key in schema}
    if "anyOf" in schema:
        shape["anyOf"] = [_shape(option, defs, names) for option in schema["anyOf"]]
    if "items" in schema:
        shape["items"] = _shape(schema["items"], defs, names)
    if isinstance(schema.get("additionalProperties"), dict):
        shape["values"] = _shape(schema["additionalProperties"], defs, names)
    return shape


def drift(sdk: type[BaseModel], wire: str, schemas: dict[str, Any]) -> list[str]:
    """How `sdk` differs from the API's `wire` schema: missing, extra or differently typed
    fields, or another order (the order `to_dict()` prints)."""
    own = sdk.model_json_schema(ref_template="#/$defs/{model}")
    own_props: dict[str, Any] = own["properties"]
    wire_props: dict[str, Any] = schemas[wire]["properties"]
    problems = [f"{name}: not in the SDK" for name in wire_props if name not in own_props]
    problems += [f"{name}: not sent by the API" for name in own_props if name not in wire_props]
    for name in own_props.keys() & wire_props.keys():
        mine = _shape(own_props[name], own.get("$defs", {}), SDK_NAMES)
        theirs = _shape(wire_props[name], schemas, {})
        if mine != theirs:
            problems.append(f"{name}: the SDK reads {mine}, the API sends {theirs}")
    if not problems and list(own_props) != list(wire_props):
        problems.append(f"order: the SDK has {list(own_props)}, the API {list(wire_props)}")
    return problems


@pytest.mark.parametrize(("sdk", "wire"), PAIRS.items(), ids=list(PAIRS.values()))
def test_the_sdk_reads_every_field_the_api_sends(
    sdk: type[BaseModel], wire: str, schemas: dict[str, Any]
) -> None:
    assert drift(sdk, wire, schemas) == []


def test_drift_is_caught(schemas: dict[str, Any]) -> None:
    # The SDK's video without `cost` (as it was before), and with `progress` read as a string.
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in Video.model_fields.items() if name != "cost"
    }
    fields["progress"] = (str, "0")
    stale = create_model("StaleVideo", **fields)
    problems = drift(stale, "VideoPublic", schemas)
    assert problems[0] == "cost: not in the SDK"
    assert any(problem.startswith("progress: the SDK reads") for problem in problems)


def test_a_video_from_the_server_is_read_whole() -> None:
    video = DomainVideo(
        id="550e8400-e29b-41d4-a716-446655440000",
        user_id="u-1",
        prompt="a red fox",
        model="sora-2",
        size="1280x720",
        seconds=8,
        status=VideoStatus.COMPLETED,
        progress=100,
        created_at=1_790_000_000,
        provider="openai",
        continued_from="11111111-2222-3333-4444-555555555555",
        estimated_cost=0.8,
        cost=0.8,
    )
    sent = video_fields(video)
    record = Video.model_validate(sent)
    assert record.model_extra == {}  # every field is a typed attribute, none a leftover
    assert (record.cost, record.continued_from) == (0.8, sent["continued_from"])
    assert record.is_completed
    assert record.to_dict() == sent
