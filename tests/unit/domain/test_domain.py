"""The status machine and the catalogue's validation rules."""

from __future__ import annotations

import pytest

from sora2.config import Settings
from sora2.container import load_catalogue
from sora2.domain import VideoStatus, can_transition, predecessors
from sora2.errors import InvalidInput

CATALOGUE = load_catalogue(Settings(_env_file=None))


def validate_request(
    *, prompt: str, model: str | None, size: str | None, seconds: str | int | None
) -> tuple[str, object, str, int]:
    request = CATALOGUE.validate(prompt=prompt, model=model, size=size, seconds=seconds)
    return request.prompt, request.spec, request.size, request.seconds


Q, P, C, F = (
    VideoStatus.QUEUED,
    VideoStatus.IN_PROGRESS,
    VideoStatus.COMPLETED,
    VideoStatus.FAILED,
)


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (Q, P, True), (Q, C, True), (Q, F, True), (P, P, True), (P, C, True), (P, F, True),
        (P, Q, False), (C, P, False), (C, Q, False), (C, F, False), (F, C, False), (F, P, False),
    ],
)  # fmt: skip
def test_a_video_never_moves_backwards(
    current: VideoStatus, new: VideoStatus, allowed: bool
) -> None:
    assert can_transition(current, new) is allowed
    assert (current in predecessors(new)) is allowed


def test_the_guides_defaults_are_valid() -> None:
    prompt, spec, size, seconds = validate_request(
        prompt="  a lake  ", model=None, size=None, seconds=None
    )
    assert (prompt, getattr(spec, "id", None), size, seconds) == ("a lake", "sora-2", "1280x720", 8)


@pytest.mark.parametrize("model", sorted(CATALOGUE.models))
def test_every_offered_combination_validates(model: str) -> None:
    spec = CATALOGUE.models[model]
    for size in spec.sizes:
        for seconds in spec.seconds:
            assert validate_request(prompt="x", model=model, size=size, seconds=seconds)[2] == size


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prompt": ""}, "prompt must not be empty"),
        ({"prompt": "x" * 4001}, "prompt is too long"),
        ({"model": "veo"}, "unknown model 'veo'"),
        ({"model": "veo-3.1", "seconds": "12"}, "seconds '12' is not available for veo-3.1"),
        ({"size": "1024x1792"}, "not available for sora-2"),
        ({"seconds": "10"}, "seconds '10' is not available"),
        ({"seconds": 3}, "seconds '3' is not available"),
    ],
)
def test_invalid_requests_say_what_is_allowed(fields: dict[str, object], message: str) -> None:
    request: dict[str, object] = {"prompt": "x", "model": None, "size": None, "seconds": None}
    with pytest.raises(InvalidInput, match=message):
        validate_request(**{**request, **fields})  # type: ignore[arg-type]


def test_prices_follow_size_and_length() -> None:
    pro = CATALOGUE.models["sora-2-pro"]
    assert pro.price(size="1792x1024", seconds=12) > pro.price(size="1280x720", seconds=12)
    assert CATALOGUE.models["sora-2"].price(size="1280x720", seconds=8) == pytest.approx(0.8)
