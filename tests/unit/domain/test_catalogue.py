"""The catalogue file: defaults shipped in the package, merged with an operator's TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sora2.config import Settings
from sora2.container import load_catalogue
from sora2.domain import Catalogue, CatalogueError, parse_catalogue
from sora2.errors import InvalidInput


def _load(tmp_path: Path, text: str | None) -> Catalogue:
    path = None
    if text is not None:
        path = tmp_path / "models.toml"
        path.write_text(text)
    return load_catalogue(Settings(_env_file=None, models_file=path))


def test_the_defaults_map_sora_to_openai_and_veo_to_google(tmp_path: Path) -> None:
    catalogue = _load(tmp_path, None)
    assert list(catalogue.models) == ["sora-2", "sora-2-pro", "veo-3.1", "veo-3.1-fast"]
    assert catalogue.default_model == "sora-2"
    sora, veo = catalogue.models["sora-2"], catalogue.models["veo-3.1"]
    assert (sora.provider, sora.provider_model, sora.remix) == ("openai", "sora-2", "native")
    assert (veo.provider, veo.provider_model, veo.remix) == (
        "veo",
        "veo-3.1-generate-001",
        "reprompt",
    )
    assert veo.seconds == ("4", "6", "8") and veo.supports_input_reference
    assert veo.price(size="1920x1080", seconds=8) == pytest.approx(3.2)


def test_only_models_of_configured_providers_are_offered(tmp_path: Path) -> None:
    offered = _load(tmp_path, None).offered_by({"openai"})
    assert list(offered.models) == ["sora-2", "sora-2-pro"]
    with pytest.raises(InvalidInput, match=r"unknown model 'veo-3\.1'; choose one of: sora-2, "):
        offered.validate(prompt="x", model="veo-3.1", size=None, seconds=None)


def test_a_file_adds_removes_and_remaps_models(tmp_path: Path) -> None:
    catalogue = _load(
        tmp_path,
        """
default_model = "house"
remove = ["sora-2-pro", "veo-3.1-fast"]

[models."sora-2"]                      # remapped: same name for clients, Veo behind it
provider = "veo"
provider_model = "veo-3.1-fast-generate-001"
sizes = ["1280x720", "720x1280"]
seconds = [4, 8]
remix = "reprompt"
price_per_second = 0.15

[models."house"]                       # added: an OpenAI-compatible gateway's own model
provider = "openai"
provider_model = "gateway/video-large"
description = "Our gateway's model"
sizes = ["1920x1080"]
seconds = ["5", "10"]
input_reference = false
remix = "none"
price_per_second = { "1920x1080" = 0.05 }
""",
    )
    assert list(catalogue.models) == ["sora-2", "veo-3.1", "house"]
    sora = catalogue.models["sora-2"]
    assert (sora.provider, sora.provider_model) == ("veo", "veo-3.1-fast-generate-001")
    # Keys the file does not give are kept from the defaults.
    assert sora.description.startswith("Fast, flexible")
    assert (sora.default_size, sora.default_seconds) == ("1280x720", "8")
    assert sora.price(size="720x1280", seconds=4) == pytest.approx(0.6)
    house = catalogue.models["house"]
    assert catalogue.default_model == "house"
    assert (house.default_size, house.default_seconds, house.supports_remix) == (
        "1920x1080",
        "5",
        False,
    )
    assert not house.supports_input_reference
    request = catalogue.validate(prompt=" hi ", model=None, size=None, seconds="10")
    assert (request.spec.id, request.seconds, request.estimated_cost) == ("house", 10, 0.5)


def test_defaults_that_no_longer_fit_follow_the_new_sizes(tmp_path: Path) -> None:
    catalogue = _load(tmp_path, '[models."sora-2"]\nsizes = ["720x1280"]\nseconds = [12]\n')
    sora = catalogue.models["sora-2"]
    assert (sora.default_size, sora.default_seconds) == ("720x1280", "12")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models = [", "not valid TOML"),
        ("colour = 'blue'", "unknown top-level keys: colour"),
        ('[models."new"]\nprovider = "veo"', "models.new: missing keys: price_per_second, secon"),
        ('[models."sora-2"]\nfps = 24', "models.sora-2: unknown keys: fps"),
        ('[models."sora-2"]\nremix = "maybe"', "remix must be one of: native, reprompt, none"),
        ('[models."sora-2"]\nsizes = ["big"]', "size 'big' is not WIDTHxHEIGHT"),
        ('[models."sora-2"]\nseconds = [0]', "seconds 0 is not a positive whole number"),
        ('[models."sora-2"]\ndefault_seconds = 5', "default_seconds 5 is not allowed"),
        ('[models."sora-2"]\nprice_per_second = { "1280x720" = 1 }', "no price for size 720x"),
        ('[models."sora-2"]\nprice_per_second = -1', "must not be negative"),
        ('default_model = "nope"', "default_model 'nope' is not a model"),
        ("remove = 'sora-2'", "`remove` must be a list"),
    ],
)
def test_a_bad_file_says_where_and_what(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message) as error:
        _load(tmp_path, text)
    assert str(error.value).startswith(str(tmp_path / "models.toml"))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, models_file=tmp_path / "absent.toml")
    with pytest.raises(CatalogueError, match=r"SORA2_MODELS_FILE .*absent.toml"):
        load_catalogue(settings)


def test_an_empty_catalogue_explains_itself() -> None:
    empty = parse_catalogue("", source="test")
    assert empty.default_model is None
    with pytest.raises(InvalidInput, match="none are configured"):
        empty.spec(None)
