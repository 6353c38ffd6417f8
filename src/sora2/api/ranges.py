"""Serve a blob over HTTP with validators, conditional requests and byte ranges (RFC 9110).

The parsing helpers are pure; `blob_response` turns a `BlobInfo` and the request's headers into
a Starlette response that streams `BlobStore.read` in 1 MiB chunks (constant memory).

Decisions, where the RFC leaves a choice:
- Several ranges are coalesced when they overlap or touch; if disjoint ranges remain, the whole
  representation is sent with 200 (allowed by RFC 9110 §14.2). Players never ask for
  multipart/byteranges, and it is a known amplification vector.
- Range is honoured for GET only (§14.2: range handling is defined for GET); HEAD answers like
  a full GET, without the body.
- A suffix range on an empty blob cannot be expressed in Content-Range: the (empty) whole is
  sent with 200.
- Whitespace around `=` and around list items is tolerated.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response, StreamingResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sora2.ports import BlobInfo, BlobStore

MAX_RANGES: Final = 100  # more range-specs than this and the header is ignored
_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)", re.ASCII)
_ENTITY_TAG = re.compile(r'(W/)?"[^"]*"')
_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+", re.ASCII)


class ByteRange(NamedTuple):
    """An inclusive byte range `first..last`, as HTTP writes it."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


class _Unsatisfiable(enum.Enum):
    UNSATISFIABLE = "unsatisfiable"


UNSATISFIABLE: Final = _Unsatisfiable.UNSATISFIABLE
Unsatisfiable = Literal[_Unsatisfiable.UNSATISFIABLE]


# --------------------------------------------------------------------------- pure parsing


def parse_range(header: str | None, size: int) -> ByteRange | Unsatisfiable | None:
    """Parse a `Range` header against a representation of `size` bytes.

    Returns the one range to send (clipped to the size), None to send the whole representation
    (no header, an invalid header, another unit, disjoint ranges), or UNSATISFIABLE (416)."""
    if header is None:
        return None
    unit, equals, range_set = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    # The list syntax allows empty elements ("0-1,,"); they are skipped.
    specs = [spec.strip() for spec in range_set.split(",")]
    specs = [spec for spec in specs if spec]
    if not specs or len(specs) > MAX_RANGES:
        return None
    satisfiable: list[ByteRange] = []
    empty_suffix = False
    for spec in specs:
        match = _RANGE_SPEC.fullmatch(spec)
        if match is None:
            return None
        first_text, last_text = match.groups()
        try:
            first = int(first_text) if first_text else None
            last = int(last_text) if last_text else None
        except ValueError:  # thousands of digits: Python's int() guard
            return None
        if first is not None:
            if last is not None and last < first:
                return None  # invalid: the whole header is ignored
            if first < size:
                satisfiable.append(
                    ByteRange(first, size - 1 if last is None else min(last, size - 1))
                )
        elif last is not None:
            if last > 0 and size == 0:
                empty_suffix = True
            elif last > 0:
                satisfiable.append(ByteRange(max(0, size - last), size - 1))
        else:
            return None  # a bare "-"
    if not satisfiable:
        return None if empty_suffix else UNSATISFIABLE
    merged = _coalesce(satisfiable)
    return merged[0] if len(merged) == 1 else None


def _coalesce(ranges: list[ByteRange]) -> list[ByteRange]:
    merged: list[ByteRange] = []
    for current in sorted(ranges):
        if merged and current.first <= merged[-1].last + 1:
            merged[-1] = ByteRange(merged[-1].first, max(merged[-1].last, current.last))
        else:
            merged.append(current)
    return merged


def parse_entity_tags(value: str) -> list[str] | Literal["*"]:
    """The entity tags of an If-Match / If-None-Match value, or "*"."""
    if value.strip() == "*":
        return "*"
    return [match.group(0) for match in _ENTITY_TAG.finditer(value)]


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


def weak_match(tags: list[str] | Literal["*"], etag: str) -> bool:
    """RFC 9110 §8.8.3.2 weak comparison, used by If-None-Match."""
    return tags == "*" or any(_opaque(tag) == _opaque(etag) for tag in tags)


def strong_match(tags: list[str] | Literal["*"], etag: str) -> bool:
    """Strong comparison (used by If-Match and If-Range): weak tags never match."""
    if etag.startswith("W/"):
        return False
    return tags == "*" or any(tag == etag for tag in tags)


def parse_http_date(value: str) -> int | None:
    """Unix seconds of an HTTP-date (IMF-fixdate or the obsolete forms), None if invalid."""
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return int(moment.timestamp())
    except (OverflowError, OSError, ValueError):
        return None


def http_date(timestamp: float) -> str:
    return formatdate(int(timestamp), usegmt=True)


def if_range_allows(value: str, *, etag: str, modified_at: float) -> bool:
    """True when an If-Range validator still matches, so the Range may be honoured."""
    value = value.strip()
    if value.startswith(('"', "W/")):
        return strong_match([value], etag)
    date = parse_http_date(value)
    return date is not None and date == int(modified_at)


def safe_filename(name: str) -> str:
    """An ASCII file name safe inside a quoted Content-Disposition parameter."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE_FILENAME_CHARS.sub("_", base).lstrip("._")[:120]
    return cleaned or "download"


# --------------------------------------------------------------------------- responses


def _error(status: int, message: str, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _precondition(
    headers: Headers, *, etag: str, modified_at: float, is_get_or_head: bool
) -> int | None:
    """RFC 9110 §13.2.2 evaluation order; the status to answer with (412, 304) or None."""
    modified = int(modified_at)
    if_match = _joined(headers, "if-match")
    if if_match is not None:
        if not strong_match(parse_entity_tags(if_match), etag):
            return 412
    else:
        since = headers.get("if-unmodified-since")
        date = parse_http_date(since) if since is not None else None
        if date is not None and modified > date:
            return 412
    if_none_match = _joined(headers, "if-none-match")
    if if_none_match is not None:
        if weak_match(parse_entity_tags(if_none_match), etag):
            return 304 if is_get_or_head else 412
    elif is_get_or_head:
        since = headers.get("if-modified-since")
        date = parse_http_date(since) if since is not None else None
        if date is not None and modified <= date:
            return 304
    return None


def _joined(headers: Headers, name: str) -> str | None:
    values = headers.getlist(name)
    return ", ".join(values) if values else None


def blob_response(
    store: BlobStore,
    info: BlobInfo,
    *,
    request_headers: Mapping[str, str],
    method: str = "GET",
    media_type: str,
    filename: str | None = None,
    chunk_size: int = 1 << 20,
    cache_control: str | None = "private",
) -> Response:
    """Answer a GET or HEAD of one blob: 200, 206, 304, 412 or 416, per RFC 9110.

    `request_headers` is looked up case-insensitively (pass `request.headers`); `filename`
    adds `Content-Disposition: attachment` with a sanitised ASCII name."""
    headers = (
        request_headers
        if isinstance(request_headers, Headers)
        else Headers(headers=dict(request_headers))
    )
    method = method.upper()
    size = info.size
    validators = {
        "ETag": info.etag,
        "Last-Modified": http_date(info.modified_at),
    }
    if cache_control is not None:
        validators["Cache-Control"] = cache_control

    status = _precondition(
        headers,
        etag=info.etag,
        modified_at=info.modified_at,
        is_get_or_head=method in ("GET", "HEAD"),
    )
    if status == 304:
        return Response(status_code=304, headers=validators)
    if status == 412:
        return _error(412, "precondition failed: the file has changed", validators)

    byte_range: ByteRange | Unsatisfiable | None = None
    range_header = headers.get("range")
    if_range = headers.get("if-range")
    if (
        method == "GET"
        and range_header is not None
        and (
            if_range is None
            or if_range_allows(if_range, etag=info.etag, modified_at=info.modified_at)
        )
    ):
        byte_range = parse_range(range_header, size)

    response_headers = {"Accept-Ranges": "bytes", **validators, "X-Content-Type-Options": "nosniff"}
    if byte_range is UNSATISFIABLE:
        response_headers["Content-Range"] = f"bytes */{size}"
        return _error(
            416, f"requested range not satisfiable (the file has {size} bytes)", response_headers
        )

    if filename is not None:
        response_headers["Content-Disposition"] = (
            f'attachment; filename="{safe_filename(filename)}"'
        )
    if byte_range is None:
        status, first, length = 200, 0, size
    else:
        status, first, length = 206, byte_range.first, byte_range.length
        response_headers["Content-Range"] = f"bytes {byte_range.first}-{byte_range.last}/{size}"
    response_headers["Content-Length"] = str(length)

    if method == "HEAD" or length == 0:
        return Response(status_code=status, headers=response_headers, media_type=media_type)
    body = store.read(info.key, start=first, end=first + length, chunk_size=chunk_size)
    return StreamingResponse(
        body, status_code=status, headers=response_headers, media_type=media_type
    )
