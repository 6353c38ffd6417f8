"""The models the platform offers, with the sizes, durations and prices each allows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sora2.errors import InvalidInput

PORTRAIT_HD, LANDSCAPE_HD = "720x1280", "1280x720"
PORTRAIT_TALL, LANDSCAPE_WIDE = "1024x1792", "1792x1024"
SECONDS = ("4", "8", "12")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    id: str
    description: str
    sizes: tuple[str, ...]
    seconds: tuple[str, ...]
    default_size: str
    default_seconds: str
    price_per_second: Mapping[str, float]  # by size, in USD
    supports_input_reference: bool = True
    supports_remix: bool = True

    def price(self, *, size: str, seconds: int) -> float:
        return round(self.price_per_second[size] * seconds, 4)


CATALOGUE: Mapping[str, ModelSpec] = MappingProxyType(
    {
        "sora-2": ModelSpec(
            id="sora-2",
            description="Fast, flexible video generation with synced audio.",
            sizes=(PORTRAIT_HD, LANDSCAPE_HD),
            seconds=SECONDS,
            default_size=LANDSCAPE_HD,
            default_seconds="8",
            price_per_second={PORTRAIT_HD: 0.10, LANDSCAPE_HD: 0.10},
        ),
        "sora-2-pro": ModelSpec(
            id="sora-2-pro",
            description="Higher fidelity, slower and costlier; adds the tall and wide sizes.",
            sizes=(PORTRAIT_HD, LANDSCAPE_HD, PORTRAIT_TALL, LANDSCAPE_WIDE),
            seconds=SECONDS,
            default_size=LANDSCAPE_HD,
            default_seconds="8",
            price_per_second={
                PORTRAIT_HD: 0.30,
                LANDSCAPE_HD: 0.30,
                PORTRAIT_TALL: 0.50,
                LANDSCAPE_WIDE: 0.50,
            },
        ),
    }
)
DEFAULT_MODEL = "sora-2"
MAX_PROMPT_CHARS = 4000


def validate_request(
    *, prompt: str, model: str | None, size: str | None, seconds: str | int | None
) -> tuple[str, ModelSpec, str, int]:
    """Check a create request against the catalogue; return (prompt, spec, size, seconds)."""
    prompt = (prompt or "").strip()
    if not prompt:
        raise InvalidInput("prompt must not be empty")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidInput(
            f"prompt is too long ({len(prompt)} characters, at most {MAX_PROMPT_CHARS})"
        )
    model = (model or DEFAULT_MODEL).strip()
    spec = CATALOGUE.get(model)
    if spec is None:
        raise InvalidInput(f"unknown model {model!r}; choose one of: {', '.join(CATALOGUE)}")
    size = (size or spec.default_size).strip()
    if size not in spec.sizes:
        raise InvalidInput(
            f"size {size!r} is not available for {model}; choose one of: {', '.join(spec.sizes)}"
        )
    seconds_text = str(seconds if seconds not in (None, "") else spec.default_seconds).strip()
    if seconds_text not in spec.seconds:
        raise InvalidInput(
            f"seconds {seconds_text!r} is not available for {model}; "
            f"choose one of: {', '.join(spec.seconds)}"
        )
    return prompt, spec, size, int(seconds_text)
