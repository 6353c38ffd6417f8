"""The model catalogue: which models the platform offers, who makes each, and what it allows.

A `Catalogue` is a value built once by the composition root: the package's defaults
(`catalogue.toml`, next to this module) with an operator's file merged over them. Parsing is pure
(text in, catalogue out); reading the files is the caller's business.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Literal, cast

from sora2.errors import InvalidInput

RemixMode = Literal["native", "reprompt", "none"]
REMIX_MODES: tuple[RemixMode, ...] = ("native", "reprompt", "none")
MAX_PROMPT_CHARS = 4000


class CatalogueError(ValueError):
    """A catalogue file that cannot be used; the message names the file and the model."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model on offer. `provider` names an entry of the provider registry."""

    id: str
    provider: str
    provider_model: str
    description: str
    sizes: tuple[str, ...]
    seconds: tuple[str, ...]
    default_size: str
    default_seconds: str
    price_per_second: Mapping[str, float]  # by size, in USD
    supports_input_reference: bool = True
    # native: the provider remixes; reprompt: a new job from both prompts; none: no remix.
    remix: RemixMode = "native"

    @property
    def supports_remix(self) -> bool:
        return self.remix != "none"

    def price(self, *, size: str, seconds: int) -> float:
        return round(self.price_per_second[size] * seconds, 4)


@dataclass(frozen=True, slots=True)
class ValidRequest:
    prompt: str
    spec: ModelSpec
    size: str
    seconds: int

    @property
    def estimated_cost(self) -> float:
        return self.spec.price(size=self.size, seconds=self.seconds)


class Catalogue:
    """An immutable, ordered set of models with a default one."""

    __slots__ = ("_default", "_models")

    def __init__(self, models: Mapping[str, ModelSpec], *, default_model: str | None) -> None:
        self._models: Mapping[str, ModelSpec] = MappingProxyType(dict(models))
        if default_model is not None and default_model not in self._models:
            default_model = None
        self._default = default_model or next(iter(self._models), None)

    @property
    def models(self) -> Mapping[str, ModelSpec]:
        return self._models

    @property
    def default_model(self) -> str | None:
        return self._default

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, model: object) -> bool:
        return model in self._models

    def get(self, model: str) -> ModelSpec | None:
        return self._models.get(model)

    @property
    def providers(self) -> frozenset[str]:
        return frozenset(spec.provider for spec in self)

    def offered_by(self, providers: Collection[str]) -> Catalogue:
        """Only the models whose provider is configured."""
        kept = {key: spec for key, spec in self._models.items() if spec.provider in providers}
        return Catalogue(kept, default_model=self._default)

    def spec(self, model: str | None) -> ModelSpec:
        """The model a request names (or the default), or `InvalidInput` naming the choices."""
        name = (model or self._default or "").strip()
        spec = self._models.get(name)
        if spec is None:
            choices = ", ".join(self._models) or "none are configured"
            raise InvalidInput(f"unknown model {name!r}; choose one of: {choices}")
        return spec

    def validate(
        self, *, prompt: str, model: str | None, size: str | None, seconds: str | int | None
    ) -> ValidRequest:
        """Check a create request against the catalogue."""
        prompt = check_prompt(prompt)
        spec = self.spec(model)
        size = (size or spec.default_size).strip()
        if size not in spec.sizes:
            raise InvalidInput(
                f"size {size!r} is not available for {spec.id}; "
                f"choose one of: {', '.join(spec.sizes)}"
            )
        seconds_text = str(seconds if seconds not in (None, "") else spec.default_seconds).strip()
        if seconds_text not in spec.seconds:
            raise InvalidInput(
                f"seconds {seconds_text!r} is not available for {spec.id}; "
                f"choose one of: {', '.join(spec.seconds)}"
            )
        return ValidRequest(prompt=prompt, spec=spec, size=size, seconds=int(seconds_text))


def check_prompt(prompt: str | None) -> str:
    prompt = (prompt or "").strip()
    if not prompt:
        raise InvalidInput("prompt must not be empty")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidInput(
            f"prompt is too long ({len(prompt)} characters, at most {MAX_PROMPT_CHARS})"
        )
    return prompt


# --------------------------------------------------------------------------- the file format

_FIELDS = frozenset(
    {
        "provider",
        "provider_model",
        "description",
        "sizes",
        "seconds",
        "default_size",
        "default_seconds",
        "input_reference",
        "remix",
        "price_per_second",
    }
)


def parse_catalogue(text: str, *, source: str, base: Catalogue | None = None) -> Catalogue:
    """Read a catalogue in TOML; with `base`, merge it over `base`.

    Top level: `default_model` (optional), `remove = ["id", ...]` (optional), and one
    `[models."id"]` table per model. A table naming a model of `base` changes only the keys it
    gives (e.g. `provider` and `provider_model` to remap it); a new id must give every key
    except `description`, `provider_model` (defaults to the id), `input_reference` (true) and
    `remix` (native)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{source}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"default_model", "remove", "models"}
    if unknown:
        raise CatalogueError(f"{source}: unknown top-level keys: {', '.join(sorted(unknown))}")
    models: dict[str, ModelSpec] = dict(base.models) if base is not None else {}
    removed = data.get("remove", [])
    if not isinstance(removed, list) or not all(isinstance(item, str) for item in removed):
        raise CatalogueError(f"{source}: `remove` must be a list of model ids")
    for model_id in removed:
        models.pop(model_id, None)
    tables = data.get("models", {})
    if not isinstance(tables, dict):
        raise CatalogueError(f'{source}: `models` must be tables: [models."id"]')
    for model_id, table in tables.items():
        if not isinstance(table, dict):
            raise CatalogueError(f"{source}: models.{model_id} must be a table")
        models[model_id] = _model(model_id, table, models.get(model_id), source=source)
    default = data.get("default_model", base.default_model if base is not None else None)
    if default is not None and not isinstance(default, str):
        raise CatalogueError(f"{source}: `default_model` must be a model id")
    if default is not None and default not in models and "default_model" in data:
        raise CatalogueError(f"{source}: default_model {default!r} is not a model of the catalogue")
    return Catalogue(models, default_model=default)


def _model(
    model_id: str, table: dict[str, Any], earlier: ModelSpec | None, *, source: str
) -> ModelSpec:
    where = f"{source}: models.{model_id}"
    unknown = set(table) - _FIELDS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys: {', '.join(sorted(unknown))}")
    if earlier is None:
        missing = {"provider", "sizes", "seconds", "price_per_second"} - set(table)
        if missing:
            raise CatalogueError(f"{where}: missing keys: {', '.join(sorted(missing))}")
    spec = earlier or ModelSpec(
        id=model_id,
        provider="",
        provider_model=model_id,
        description="",
        sizes=(),
        seconds=(),
        default_size="",
        default_seconds="",
        price_per_second={},
    )
    changes: dict[str, Any] = {}
    for key in ("provider", "provider_model", "description"):
        if key in table:
            changes[key] = _text(table[key], f"{where}.{key}")
    if "sizes" in table:
        changes["sizes"] = tuple(_text(s, f"{where}.sizes") for s in _list(table["sizes"], where))
        for size in changes["sizes"]:
            _check_size(size, where)
    if "seconds" in table:
        changes["seconds"] = tuple(_seconds(s, where) for s in _list(table["seconds"], where))
    if "input_reference" in table:
        if not isinstance(table["input_reference"], bool):
            raise CatalogueError(f"{where}.input_reference must be true or false")
        changes["supports_input_reference"] = table["input_reference"]
    if "remix" in table:
        if table["remix"] not in REMIX_MODES:
            raise CatalogueError(f"{where}.remix must be one of: {', '.join(REMIX_MODES)}")
        changes["remix"] = cast("RemixMode", table["remix"])
    spec = replace(spec, **changes)
    # Defaults follow the sizes and durations unless given (or still valid).
    default_size = table.get("default_size", spec.default_size)
    if default_size not in spec.sizes:
        if "default_size" in table:
            raise CatalogueError(f"{where}.default_size {default_size!r} is not one of its sizes")
        default_size = spec.sizes[0]
    default_seconds = table.get("default_seconds", spec.default_seconds) or spec.seconds[0]
    default_seconds = _seconds(default_seconds, where)
    if default_seconds not in spec.seconds:
        if "default_seconds" in table:
            raise CatalogueError(f"{where}.default_seconds {default_seconds} is not allowed")
        default_seconds = spec.seconds[0]
    prices = _prices(table.get("price_per_second", spec.price_per_second), spec.sizes, where)
    return replace(
        spec,
        default_size=default_size,
        default_seconds=default_seconds,
        price_per_second=MappingProxyType(prices),
    )


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list) or not value:
        raise CatalogueError(f"{where}: sizes and seconds must be non-empty lists")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where} must be a non-empty string")
    return value.strip()


def _check_size(size: str, where: str) -> None:
    width, _, height = size.partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise CatalogueError(f"{where}: size {size!r} is not WIDTHxHEIGHT")


def _seconds(value: object, where: str) -> str:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) <= 0:
        raise CatalogueError(f"{where}: seconds {value!r} is not a positive whole number")
    return str(int(text))


def _prices(value: object, sizes: tuple[str, ...], where: str) -> dict[str, float]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise CatalogueError(f"{where}.price_per_second must not be negative")
        return dict.fromkeys(sizes, float(value))
    if not isinstance(value, Mapping):
        raise CatalogueError(f"{where}.price_per_second must be a number or a table by size")
    prices: dict[str, float] = {}
    for size in sizes:
        price = value.get(size)
        if not isinstance(price, int | float) or isinstance(price, bool) or price < 0:
            raise CatalogueError(f"{where}.price_per_second has no price for size {size}")
        prices[size] = float(price)
    return prices
