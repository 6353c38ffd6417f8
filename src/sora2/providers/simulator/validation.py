"""Request checks with OpenAI's rules and OpenAI's error shape.

Errors are `{"error": {"message", "type", "param", "code"}}`, so the official SDK raises the same
exception classes against the simulator as it would against the real API.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse

from sora2.providers.simulator.store import Reference

_STANDARD_SIZES = ("720x1280", "1280x720")
_PRO_SIZES = (*_STANDARD_SIZES, "1024x1792", "1792x1024")
MODEL_SIZES: Mapping[str, tuple[str, ...]] = {
    "sora-2": _STANDARD_SIZES,
    "sora-2-2025-10-06": _STANDARD_SIZES,
    "sora-2-2025-12-08": _STANDARD_SIZES,
    "sora-2-pro": _PRO_SIZES,
    "sora-2-pro-2025-10-06": _PRO_SIZES,
}
SECONDS = ("4", "8", "12")
DEFAULT_MODEL, DEFAULT_SECONDS, DEFAULT_SIZE = "sora-2", "4", "720x1280"
MAX_PROMPT_CHARS = 32_000
MAX_REFERENCE_BYTES = 20 * 1024 * 1024
MAX_REFERENCE_PIXELS = 40_000_000
LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX = 20, 100
_IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class APIError(Exception):
    """An error answered in OpenAI's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        error_type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.error_type = error_type

    def response(self) -> JSONResponse:
        body = {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }
        return JSONResponse(body, status_code=self.status)


def not_found(video_id: str) -> APIError:
    return APIError(404, f"Video with id '{video_id}' not found.", param="video_id")


@dataclass(frozen=True, slots=True)
class CreateParams:
    prompt: str
    model: str
    size: str
    seconds: int


def parse_create(fields: Mapping[str, object]) -> CreateParams:
    """Check prompt, model, seconds and size as OpenAI does, applying its defaults."""
    prompt = fields.get("prompt")
    if prompt is None or prompt == "":
        raise APIError(
            400,
            "Missing required parameter: 'prompt'.",
            param="prompt",
            code="missing_required_parameter",
        )
    if not isinstance(prompt, str) or not prompt.strip():
        raise _invalid_type("prompt", "a non-empty string")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise APIError(
            400,
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{MAX_PROMPT_CHARS}, but got a string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    model = _text(fields, "model", DEFAULT_MODEL)
    if model not in MODEL_SIZES:
        raise _invalid_value("model", model, tuple(MODEL_SIZES))
    seconds = _text(fields, "seconds", DEFAULT_SECONDS)
    if seconds not in SECONDS:
        raise _invalid_value("seconds", seconds, SECONDS)
    size = _text(fields, "size", DEFAULT_SIZE)
    if size not in MODEL_SIZES[model]:
        if size in _PRO_SIZES:
            raise APIError(
                400,
                f"Invalid value: '{size}'. The size {size} is only available with sora-2-pro; "
                f"{model} supports {_choices(MODEL_SIZES[model])}.",
                param="size",
                code="invalid_value",
            )
        raise _invalid_value("size", size, _PRO_SIZES)
    return CreateParams(prompt=prompt, model=model, size=size, seconds=int(seconds))


def parse_remix_prompt(fields: Mapping[str, object]) -> str:
    prompt = fields.get("prompt")
    if prompt is None or prompt == "":
        raise APIError(
            400,
            "Missing required parameter: 'prompt'.",
            param="prompt",
            code="missing_required_parameter",
        )
    if not isinstance(prompt, str) or not prompt.strip():
        raise _invalid_type("prompt", "a non-empty string")
    return prompt


def reference_from_data_url(value: object) -> bytes:
    """JSON bodies carry the image as `{"image_url": "data:image/...;base64,..."}`."""
    url = value.get("image_url") if isinstance(value, Mapping) else None
    if not isinstance(url, str) or not url.startswith("data:") or ";base64," not in url:
        raise APIError(
            400,
            "Invalid 'input_reference': the simulator accepts an uploaded file, or an object with "
            "'image_url' set to a base64 data URL (file ids and remote URLs are not fetched).",
            param="input_reference",
            code="invalid_value",
        )
    try:
        return base64.b64decode(url.split(";base64,", 1)[1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise APIError(
            400,
            "Invalid 'input_reference': the data URL is not valid base64.",
            param="input_reference",
            code="invalid_value",
        ) from exc


def check_reference(data: bytes) -> Reference:
    """Decode the image fully (blocking: run it off the event loop); JPEG, PNG or WebP only."""
    from PIL import Image, UnidentifiedImageError  # loaded by the first image, not at start-up

    if len(data) > MAX_REFERENCE_BYTES:
        raise _bad_image(f"the file is larger than {MAX_REFERENCE_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            # Pillow warns on very large images; the pixel cap below is the real guard.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format or ""
                if image.width * image.height > MAX_REFERENCE_PIXELS:
                    raise _bad_image("the image has too many pixels")
                image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise _bad_image("the file is not a readable image") from exc
    media_type = _IMAGE_TYPES.get(fmt)
    if media_type is None:
        raise _bad_image(f"{fmt or 'this'} images are not supported")
    return Reference(data=data, media_type=media_type)


def _bad_image(reason: str) -> APIError:
    return APIError(
        400,
        f"Invalid 'input_reference': {reason}. Upload a JPEG, PNG or WebP image.",
        param="input_reference",
        code="invalid_image",
    )


def _text(fields: Mapping[str, object], name: str, default: str) -> str:
    value = fields.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _invalid_type(name, "a string")
    return str(value).strip()


def _missing(name: str) -> APIError:
    return APIError(
        400,
        f"Missing required parameter: '{name}'.",
        param=name,
        code="missing_required_parameter",
    )


def _invalid_type(name: str, expected: str) -> APIError:
    return APIError(
        400, f"Invalid type for '{name}': expected {expected}.", param=name, code="invalid_type"
    )


def _invalid_value(name: str, value: str, allowed: tuple[str, ...]) -> APIError:
    return APIError(
        400,
        f"Invalid value: '{value}'. Supported values are: {_choices(allowed)}.",
        param=name,
        code="invalid_value",
    )


def _choices(values: tuple[str, ...]) -> str:
    quoted = [f"'{value}'" for value in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


async def read_body(
    request: Request, *, file_field: str | None
) -> tuple[dict[str, object], bytes | None]:
    """Form fields (multipart or urlencoded) or a JSON object, plus the uploaded file's bytes."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_REFERENCE_BYTES + (1 << 20):
        raise APIError(413, "Request body too large.", code="request_too_large")
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise APIError(400, "We could not parse the JSON body of your request.") from exc
        if not isinstance(body, dict):
            raise APIError(400, "The JSON body of your request must be an object.")
        return body, None
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields: dict[str, object] = {}
        upload: bytes | None = None
        async with request.form(max_files=1, max_fields=32) as form:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if name != file_field:
                        raise APIError(400, f"Unexpected file field '{name}'.", param=name)
                    upload = await value.read(MAX_REFERENCE_BYTES + 1)
                else:
                    fields[name] = value
        return fields, upload
    raise APIError(
        400,
        "Unsupported content type; send multipart/form-data or application/json.",
        code="unsupported_content_type",
    )


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return LIST_LIMIT_DEFAULT
    if not raw.isdigit() or not 1 <= int(raw) <= LIST_LIMIT_MAX:
        raise APIError(
            400,
            f"Invalid 'limit': expected an integer between 1 and {LIST_LIMIT_MAX}, got '{raw}'.",
            param="limit",
            code="invalid_value",
        )
    return int(raw)
