"""The simulator's fault queue: what a test may ask for, and in which order it is served."""

from __future__ import annotations

from typing import Any

import pytest

from sora2.providers.simulator.faults import Fault, FaultQueue, parse_faults
from sora2.providers.simulator.validation import APIError


def test_faults_parse_and_repeat() -> None:
    faults = parse_faults(
        {
            "faults": [
                {"operation": "create", "status": 429, "retry_after": 2, "times": 2},
                {"operation": "content", "variant": "spritesheet", "stall": True, "delay": 5},
            ]
        }
    )
    assert [fault.operation for fault in faults] == ["create", "create", "content"]
    assert faults[0].retry_after == 2 and faults[2].stall and faults[2].delay == 5
    assert parse_faults({"operation": "retrieve", "drop": True}) == [
        Fault(operation="retrieve", drop=True)
    ]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"operation": "teleport"}, "'operation' must be one of"),
        ({"operation": "create", "status": 200}, "'status' must be an HTTP error status"),
        ({"operation": "create", "delay": -1}, "'delay' must be a number"),
        ({"operation": "create", "delay": 1e9}, "'delay' must be a number"),
        ({"operation": "create", "times": 0}, "'times' must be an integer"),
        ({"operation": "create", "status": 500, "drop": True}, "cannot also 'drop'"),
        ({"operation": "retrieve", "stall": True}, "Only 'content' faults can 'stall'"),
        ({"operation": "create", "when": "now"}, "Unknown fault fields"),
        ({"faults": []}, "Send a fault object"),
        ({"faults": ["create"]}, "Each fault must be an object"),
        ({"operation": "create", "code": 7}, "'code' must be a string"),
    ],
)
def test_bad_faults_are_refused_readably(body: Any, complaint: str) -> None:
    with pytest.raises(APIError, match=complaint) as refused:
        parse_faults(body)
    assert refused.value.status == 400


def test_the_queue_serves_faults_in_order_and_by_variant() -> None:
    queue = FaultQueue()
    queue.add(
        parse_faults(
            [
                {"operation": "content", "variant": "spritesheet", "delay": 1},
                {"operation": "content", "delay": 2},
                {"operation": "create", "status": 500},
            ]
        )
    )
    assert queue.take("retrieve") is None
    served = queue.take("content", variant="video")
    assert served is not None and served.delay == 2
    assert queue.take("content", variant="video") is None
    assert queue.pending() == [
        {"operation": "create", "status": 500},
        {"operation": "content", "delay": 1.0, "variant": "spritesheet"},
    ]
    queue.clear()
    assert queue.pending() == []


def test_a_quota_fault_answers_like_openai() -> None:
    error = Fault(operation="create", status=429, code="insufficient_quota").error()
    assert error.error_type == "insufficient_quota" and error.code == "insufficient_quota"
    assert Fault(operation="retrieve", status=503).error().error_type == "server_error"
