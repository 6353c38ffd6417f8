"""HTTP Range / conditional serving of blobs (RFC 9110), parsing first, then real responses."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Scope

from sora2.api.ranges import (
    MAX_RANGES,
    UNSATISFIABLE,
    ByteRange,
    blob_response,
    http_date,
    if_range_allows,
    parse_entity_tags,
    parse_http_date,
    parse_range,
    safe_filename,
    strong_match,
    weak_match,
)
from sora2.storage import LocalBlobStore

# --------------------------------------------------------------------------- parse_range


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        # no header, other units, malformed: ignored (send the whole representation)
        (None, 100, None),
        ("", 100, None),
        ("bytes", 100, None),
        ("bytes=", 100, None),
        ("bytes=,", 100, None),
        ("items=0-1", 100, None),
        ("0-1", 100, None),
        ("bytes=-", 100, None),
        ("bytes=a-b", 100, None),
        ("bytes=1-x", 100, None),
        ("bytes=5-1", 100, None),  # last < first: invalid
        ("bytes=0-1,5-1", 100, None),  # one invalid spec spoils the header
        ("bytes=0 - 1", 100, None),
        ("bytes=+1-2", 100, None),
        ("bytes=-+1", 100, None),
        ("bytes=0x1-2", 100, None),
        ("bytes=١-٢", 100, None),  # non-ASCII digits
        ("bytes=0-1;x", 100, None),
        # single ranges
        ("bytes=0-0", 100, ByteRange(0, 0)),
        ("bytes=0-99", 100, ByteRange(0, 99)),
        ("bytes=10-19", 100, ByteRange(10, 19)),
        ("bytes=99-99", 100, ByteRange(99, 99)),
        ("bytes=50-", 100, ByteRange(50, 99)),
        ("bytes=0-", 100, ByteRange(0, 99)),
        ("bytes=90-1000", 100, ByteRange(90, 99)),  # end past the size: clipped
        ("bytes=0-99999999999999999999999", 100, ByteRange(0, 99)),
        ("bytes=-1", 100, ByteRange(99, 99)),
        ("bytes=-10", 100, ByteRange(90, 99)),
        ("bytes=-100", 100, ByteRange(0, 99)),
        ("bytes=-500", 100, ByteRange(0, 99)),  # suffix longer than the file: all of it
        ("bytes=007-008", 100, ByteRange(7, 8)),
        # case and whitespace tolerance
        ("BYTES=1-2", 100, ByteRange(1, 2)),
        ("Bytes=1-2", 100, ByteRange(1, 2)),
        (" bytes = 1-2 ", 100, ByteRange(1, 2)),
        ("bytes=\t1-2\t", 100, ByteRange(1, 2)),
        ("bytes=1-2,", 100, ByteRange(1, 2)),  # empty list elements are allowed
        ("bytes=,1-2", 100, ByteRange(1, 2)),
        # unsatisfiable
        ("bytes=100-", 100, UNSATISFIABLE),
        ("bytes=100-200", 100, UNSATISFIABLE),
        ("bytes=500-", 100, UNSATISFIABLE),
        ("bytes=-0", 100, UNSATISFIABLE),
        ("bytes=-0,100-", 100, UNSATISFIABLE),
        # several ranges: coalesced when they overlap or touch, else the whole file
        ("bytes=0-1,5-6", 100, None),
        ("bytes=0-1, 2-3", 100, ByteRange(0, 3)),
        ("bytes=0-5,3-8", 100, ByteRange(0, 8)),
        ("bytes=0-1,0-1", 100, ByteRange(0, 1)),
        ("bytes=10-20,0-", 100, ByteRange(0, 99)),
        ("bytes=0-1,200-300", 100, ByteRange(0, 1)),  # unsatisfiable parts are dropped
        ("bytes=-0,5-6", 100, ByteRange(5, 6)),
        # an empty representation
        ("bytes=0-", 0, UNSATISFIABLE),
        ("bytes=0-0", 0, UNSATISFIABLE),
        ("bytes=-0", 0, UNSATISFIABLE),
        ("bytes=-5", 0, None),  # satisfiable, but not expressible: send the empty whole
    ],
)
def test_parse_range(header: str | None, size: int, expected: object) -> None:
    assert parse_range(header, size) == expected


def test_parse_range_ignores_too_many_ranges() -> None:
    many = ",".join(f"{i}-{i}" for i in range(0, 2 * (MAX_RANGES + 1), 2))
    assert parse_range(f"bytes={many}", 10_000) is None
    assert parse_range("bytes=" + ",".join(["0-0"] * MAX_RANGES), 10) == ByteRange(0, 0)


def test_parse_range_ignores_absurdly_long_numbers() -> None:
    assert parse_range("bytes=0-" + "9" * 5000, 10) is None


def test_byte_range_length() -> None:
    assert ByteRange(0, 0).length == 1
    assert ByteRange(10, 19).length == 10


# --------------------------------------------------------------------------- validators


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("*", "*"),
        (" * ", "*"),
        ('"abc"', ['"abc"']),
        ('W/"abc", "def"', ['W/"abc"', '"def"']),
        ('"a,b" ,"c"', ['"a,b"', '"c"']),
        ("garbage", []),
        ("", []),
    ],
)
def test_parse_entity_tags(value: str, expected: object) -> None:
    assert parse_entity_tags(value) == expected


def test_weak_and_strong_comparison() -> None:
    assert weak_match(['"a"'], '"a"')
    assert weak_match(['W/"a"'], '"a"')
    assert weak_match("*", '"a"')
    assert not weak_match(['"b"'], '"a"')
    assert strong_match(['"a"'], '"a"')
    assert not strong_match(['W/"a"'], '"a"')
    assert not strong_match(['"a"'], 'W/"a"')
    assert strong_match("*", '"a"')


def test_http_dates() -> None:
    assert http_date(784111777.9) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777
    assert parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777  # RFC 850
    assert parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777  # asctime
    assert parse_http_date("not a date") is None
    assert parse_http_date("") is None


def test_if_range_allows() -> None:
    etag, modified = '"v1"', 784111777.5
    assert if_range_allows('"v1"', etag=etag, modified_at=modified)
    assert not if_range_allows('"v0"', etag=etag, modified_at=modified)
    assert not if_range_allows('W/"v1"', etag=etag, modified_at=modified)  # strong only
    assert if_range_allows("Sun, 06 Nov 1994 08:49:37 GMT", etag=etag, modified_at=modified)
    assert not if_range_allows("Sun, 06 Nov 1994 08:49:38 GMT", etag=etag, modified_at=modified)
    assert not if_range_allows("yesterday", etag=etag, modified_at=modified)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("video.mp4", "video.mp4"),
        ("my video (1).mp4", "my_video_1_.mp4"),
        ('evil"; filename="x.exe', "evil_filename_x.exe"),
        ("../../etc/passwd", "passwd"),
        ("C:\\temp\\clip.mp4", "clip.mp4"),
        ("vidéo.mp4", "vid_o.mp4"),
        ("line\r\nbreak.mp4", "line_break.mp4"),
        (".hidden", "hidden"),
        ("", "download"),
        ("...", "download"),
        ("a" * 300, "a" * 120),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


# --------------------------------------------------------------------------- responses

KEY = "videos/7d1c0b1e-1c55-4c5a-9d55-5f0e2b8b5a10/video.mp4"
DATA = os.urandom(3 * (1 << 20) + 12345)  # more than one 1 MiB chunk


@pytest.fixture
async def store(tmp_path: Path) -> LocalBlobStore:
    blobs = LocalBlobStore(tmp_path / "media")
    await blobs.write_bytes(KEY, DATA)
    await blobs.write_bytes("videos/empty/video.mp4", b"")
    return blobs


@pytest.fixture
async def client(store: LocalBlobStore) -> AsyncIterator[httpx.AsyncClient]:
    async def content(request: Request) -> Response:
        key = request.query_params.get("key", KEY)
        info = await store.stat(key)
        assert info is not None
        return blob_response(
            store,
            info,
            request_headers=request.headers,
            method=request.method,
            media_type="video/mp4",
            filename=request.query_params.get("filename"),
        )

    app = Starlette(routes=[Route("/content", content, methods=["GET", "HEAD"])])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_full_get(client: httpx.AsyncClient, store: LocalBlobStore) -> None:
    info = await store.stat(KEY)
    assert info is not None

    response = await client.get("/content")

    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == info.etag
    assert response.headers["last-modified"] == http_date(info.modified_at)
    assert response.headers["cache-control"] == "private"
    assert "content-range" not in response.headers
    assert "content-disposition" not in response.headers


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=0-99", 0, 99),
        ("bytes=1048570-2097160", 1048570, 2097160),  # across chunk boundaries
        (f"bytes={len(DATA) - 10}-", len(DATA) - 10, len(DATA) - 1),
        ("bytes=100-", 100, len(DATA) - 1),
        ("bytes=-1", len(DATA) - 1, len(DATA) - 1),
        ("bytes=-5000", len(DATA) - 5000, len(DATA) - 1),
        (f"bytes=10-{len(DATA) + 100}", 10, len(DATA) - 1),
        ("bytes=-99999999999", 0, len(DATA) - 1),
    ],
)
async def test_partial_get(client: httpx.AsyncClient, header: str, first: int, last: int) -> None:
    response = await client.get("/content", headers={"Range": header})

    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(DATA)}"
    assert response.headers["content-length"] == str(last - first + 1)
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.content == DATA[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=99999999-", f"bytes={len(DATA)}-", "bytes=-0"])
async def test_unsatisfiable(client: httpx.AsyncClient, header: str) -> None:
    response = await client.get("/content", headers={"Range": header})

    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(DATA)}"
    assert response.headers["content-type"] == "application/json"
    assert "not satisfiable" in response.json()["error"]


@pytest.mark.parametrize("header", ["bytes=5-1", "items=0-1", "bytes=abc", "bytes=0-1,5-6"])
async def test_invalid_or_multiple_ranges_get_the_whole_file(
    client: httpx.AsyncClient, header: str
) -> None:
    response = await client.get("/content", headers={"Range": header})

    assert response.status_code == 200
    assert "content-range" not in response.headers
    assert response.content == DATA


async def test_if_range_matching_etag_or_date_honours_the_range(
    client: httpx.AsyncClient, store: LocalBlobStore
) -> None:
    info = await store.stat(KEY)
    assert info is not None
    for validator in (info.etag, http_date(info.modified_at)):
        response = await client.get(
            "/content", headers={"Range": "bytes=10-19", "If-Range": validator}
        )
        assert response.status_code == 206
        assert response.content == DATA[10:20]


@pytest.mark.parametrize(
    "validator", ['"stale"', 'W/"stale"', "Sun, 06 Nov 1994 08:49:37 GMT", "garbage"]
)
async def test_if_range_mismatch_sends_the_whole_file(
    client: httpx.AsyncClient, validator: str
) -> None:
    response = await client.get("/content", headers={"Range": "bytes=10-19", "If-Range": validator})

    assert response.status_code == 200
    assert response.content == DATA


async def test_if_range_with_the_weak_form_of_our_etag_is_not_a_match(
    client: httpx.AsyncClient, store: LocalBlobStore
) -> None:
    info = await store.stat(KEY)
    assert info is not None
    response = await client.get(
        "/content", headers={"Range": "bytes=0-0", "If-Range": f"W/{info.etag}"}
    )
    assert response.status_code == 200


async def test_if_none_match(client: httpx.AsyncClient, store: LocalBlobStore) -> None:
    info = await store.stat(KEY)
    assert info is not None

    for value in (info.etag, f'"other", {info.etag}', f"W/{info.etag}", "*"):
        response = await client.get(
            "/content", headers={"If-None-Match": value, "Range": "bytes=0-1"}
        )
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == info.etag
        assert "content-length" not in response.headers

    response = await client.get("/content", headers={"If-None-Match": '"other"'})
    assert response.status_code == 200
    assert response.content == DATA


async def test_if_modified_since(client: httpx.AsyncClient, store: LocalBlobStore) -> None:
    info = await store.stat(KEY)
    assert info is not None

    same = await client.get("/content", headers={"If-Modified-Since": http_date(info.modified_at)})
    assert same.status_code == 304

    older = await client.get(
        "/content", headers={"If-Modified-Since": http_date(info.modified_at - 60)}
    )
    assert older.status_code == 200

    # If-None-Match takes precedence over If-Modified-Since.
    both = await client.get(
        "/content",
        headers={"If-None-Match": '"other"', "If-Modified-Since": http_date(info.modified_at)},
    )
    assert both.status_code == 200

    bad = await client.get("/content", headers={"If-Modified-Since": "not a date"})
    assert bad.status_code == 200


async def test_if_match_and_if_unmodified_since(
    client: httpx.AsyncClient, store: LocalBlobStore
) -> None:
    info = await store.stat(KEY)
    assert info is not None

    ok = await client.get("/content", headers={"If-Match": info.etag, "Range": "bytes=0-3"})
    assert ok.status_code == 206
    assert ok.content == DATA[:4]

    stale = await client.get("/content", headers={"If-Match": '"stale"'})
    assert stale.status_code == 412
    assert "precondition" in stale.json()["error"]

    weak = await client.get("/content", headers={"If-Match": f"W/{info.etag}"})
    assert weak.status_code == 412

    unmodified = await client.get(
        "/content", headers={"If-Unmodified-Since": http_date(info.modified_at)}
    )
    assert unmodified.status_code == 200

    modified = await client.get(
        "/content", headers={"If-Unmodified-Since": http_date(info.modified_at - 60)}
    )
    assert modified.status_code == 412


async def test_head(client: httpx.AsyncClient, store: LocalBlobStore) -> None:
    info = await store.stat(KEY)
    assert info is not None

    response = await client.head("/content")

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == info.etag

    # Range handling is defined for GET only: HEAD describes the whole representation.
    ranged = await client.head("/content", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 200
    assert ranged.headers["content-length"] == str(len(DATA))

    cached = await client.head("/content", headers={"If-None-Match": info.etag})
    assert cached.status_code == 304


async def test_content_disposition(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/content",
        params={"filename": 'my "clip".mp4'},
        headers={"Range": "bytes=0-3"},
    )
    assert response.status_code == 206
    assert response.headers["content-disposition"] == 'attachment; filename="my_clip_.mp4"'


async def test_empty_blob(client: httpx.AsyncClient) -> None:
    params = {"key": "videos/empty/video.mp4"}

    full = await client.get("/content", params=params)
    assert full.status_code == 200
    assert full.content == b""
    assert full.headers["content-length"] == "0"

    ranged = await client.get("/content", params=params, headers={"Range": "bytes=0-"})
    assert ranged.status_code == 416
    assert ranged.headers["content-range"] == "bytes */0"

    suffix = await client.get("/content", params=params, headers={"Range": "bytes=-10"})
    assert suffix.status_code == 200
    assert suffix.content == b""


async def test_plain_mapping_headers_are_case_insensitive(store: LocalBlobStore) -> None:
    info = await store.stat(KEY)
    assert info is not None

    response = blob_response(
        store, info, request_headers={"RANGE": "bytes=0-9"}, media_type="video/mp4"
    )

    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 0-9/{len(DATA)}"


async def test_streams_in_chunks(store: LocalBlobStore) -> None:
    info = await store.stat(KEY)
    assert info is not None
    sizes: list[int] = []
    response = blob_response(
        store, info, request_headers={}, media_type="video/mp4", chunk_size=1 << 20
    )
    scope: Scope = {"type": "http", "method": "GET", "headers": [], "asgi": {"spec_version": "2.4"}}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and message["body"]:
            sizes.append(len(message["body"]))

    await response(scope, receive, send)

    assert sum(sizes) == len(DATA)
    assert sizes == [1 << 20, 1 << 20, 1 << 20, len(DATA) - 3 * (1 << 20)]
