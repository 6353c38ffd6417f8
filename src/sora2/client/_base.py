"""What the sync and async clients share: URLs, forms, error mapping, parsing, atomic files."""

from __future__ import annotations

import contextlib
import email.utils
import math
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeAlias, TypeVar
from urllib.parse import urlsplit

import httpx
import pydantic

import sora2
from sora2.client._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    Sora2Error,
    ValidationError,
)
from sora2.client._models import Video

M = TypeVar("M", bound=pydantic.BaseModel)

DEFAULT_BASE_URL = "http://localhost:3000"
DEFAULT_TIMEOUT = 30.0
USER_AGENT = f"sora2-python/{sora2.__version__}"
CHUNK_SIZE = 1024 * 1024
VARIANT_EXTENSIONS = {"video": "mp4", "thumbnail": "webp", "spritesheet": "jpg"}

VideoRef: TypeAlias = "str | Video"
"""A video id, or a `Video` (its id is used)."""
ImageSource: TypeAlias = "str | os.PathLike[str] | bytes | IO[bytes]"
"""A first-frame image: a path, its bytes, or a binary file object."""
ProgressCallback: TypeAlias = Callable[[int, "int | None"], object]
"""Called with (bytes received, total bytes or None) as a download goes."""

# Errors worth waiting through while a video is watched: the server restarting or busy.
TRANSIENT: tuple[type[Sora2Error], ...] = (APIConnectionError, ServerError, RateLimitError)

_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: ValidationError,
    429: RateLimitError,
}


def normalise_base_url(base_url: str) -> str:
    """`http://host:3000`, `http://host:3000/` and `http://host:3000/api` all name one server."""
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
    return url.removesuffix("/api")


def socketio_address(base_url: str) -> tuple[str, str]:
    """(origin, Socket.IO path) of a server: `/socket.io` below the base URL's path."""
    parts = urlsplit(base_url)
    path = f"{parts.path.strip('/')}/socket.io".lstrip("/")
    return f"{parts.scheme}://{parts.netloc}", path


def make_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(DEFAULT_TIMEOUT if timeout is None else timeout)


def video_id_of(video: VideoRef) -> str:
    video_id = video.id if isinstance(video, Video) else video
    if not isinstance(video_id, str) or not video_id.strip():
        raise ValueError("a video id is required")
    return video_id.strip()


@dataclass(frozen=True, slots=True)
class Login:
    """What a client needs to log in again when its token expires."""

    username: str
    password: str


def login_of(username: str | None, password: str | None) -> Login | None:
    if username is None and password is None:
        return None
    if not username or password is None:
        raise ValueError("give both username and password, or a token")
    return Login(username, password)


# --- errors -------------------------------------------------------------------------------------


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The SDK exception for an error answer, with the server's `{"error": ...}` message."""
    status = response.status_code
    message = _error_message(response)
    if status == 429 or status >= 500:
        kind = RateLimitError if status == 429 else ServerError
        return kind(message, response=response, retry_after=retry_after(response))
    return _STATUS_ERRORS.get(status, APIStatusError)(message, response=response)


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]:
        return str(body["error"])
    text = response.text.strip()
    if text and len(text) <= 200 and "<" not in text:
        return text
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()


def retry_after(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if math.isfinite(seconds) else None


@contextlib.contextmanager
def transport_errors(base_url: str) -> Iterator[None]:
    """httpx's transport errors as the SDK's `APIConnectionError` / `APITimeoutError`."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise APITimeoutError(f"request to {base_url} timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        reason = str(exc) or type(exc).__name__
        raise APIConnectionError(f"cannot reach {base_url}: {reason}") from exc


def parse(model: type[M], data: Any) -> M:
    """A server body as a typed record; an unexpected body is a `Sora2Error`, not a crash."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise Sora2Error(
            f"unexpected answer from the server (is it a Sora2 platform?): {exc.errors()[0]}"
        ) from exc


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise Sora2Error(
            f"unexpected answer from the server (not JSON, HTTP {response.status_code})"
        ) from exc


def list_params(
    limit: int, offset: int, status: str | None, query: str | None, remixed_from: VideoRef | None
) -> dict[str, str | int]:
    """Query parameters of the list route; filters are sent only when given."""
    params: dict[str, str | int] = {"limit": limit, "offset": offset}
    if status is not None:
        params["status"] = str(status)
    if query is not None:
        params["q"] = query
    if remixed_from is not None:
        params["remixed_from"] = video_id_of(remixed_from)
    return params


# --- create -------------------------------------------------------------------------------------


def create_form(*, prompt: str, model: str, size: str, seconds: str | int) -> dict[str, str]:
    return {"prompt": prompt, "model": model, "size": size, "seconds": str(seconds)}


_IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def image_file(source: ImageSource) -> tuple[str, bytes, str]:
    """(file name, bytes, content type) of a first-frame image, for a multipart upload.

    The server checks the image by its content; the name and type only help logs."""
    if isinstance(source, bytes):
        data, name = source, "input_reference"
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        data, name = path.read_bytes(), path.name
    else:
        data = source.read()
        name = Path(str(getattr(source, "name", "input_reference"))).name
    content_type, extension = "application/octet-stream", ""
    for magic, kind, ext in _IMAGE_TYPES:
        if data.startswith(magic):
            content_type, extension = kind, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        content_type, extension = "image/webp", "webp"
    if extension and "." not in name:
        name = f"{name}.{extension}"
    return name, data, content_type


# --- downloads ----------------------------------------------------------------------------------


def output_path_for(
    output_path: str | os.PathLike[str] | None, video_id: str, variant: str
) -> Path:
    """Where a download goes: the path given, or `<video id>.<ext>` in it if it is a folder
    (or in the current folder if none is given)."""
    name = f"{video_id}.{VARIANT_EXTENSIONS.get(variant, 'bin')}"
    if output_path is None:
        return Path(name)
    path = Path(output_path).expanduser()
    return path / name if path.is_dir() else path


def content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


class AtomicFile:
    """A file written under a temporary name in its final folder, then renamed over the target:
    readers see the old file or the whole new one, never a part; a failure leaves nothing."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
        # O_EXCL: never write through a file (or link) someone else put there. The mode is
        # subject to the umask, like any file the user creates.
        fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.temporary, self.target)

    def discard(self) -> None:
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.temporary.unlink()


def headers_for(token: str | None) -> Mapping[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}
