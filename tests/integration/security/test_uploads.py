"""Hostile uploads of a first-frame image (`input_reference` of POST /api/videos).

Too large (413), not an image whatever its name and content type say (400), decompression bombs
(400, without the server decoding them), and file names that are paths: never used for
storage, the server names its files. Each time: what the user sees, and what lands in the data
directory (nothing, for a refusal).
"""

from __future__ import annotations

import base64
import io
import os
import resource
import struct
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from tests.support.server import LiveServer

CAP = 1024 * 1024  # SORA2_MAX_UPLOAD_BYTES of the server under attack
WRONG_FORMAT = "input_reference must be a JPEG, PNG or WebP image"


# SQLite: uploads do not touch the database until accepted.
pytestmark = [pytest.mark.backends("sqlite"), pytest.mark.server_settings(max_upload_bytes=CAP)]


@pytest.fixture
def target(server: LiveServer, admin: httpx.Client) -> tuple[LiveServer, httpx.Client]:
    """The server under attack, with a 1 MiB cap, and its admin's client."""
    return server, admin


def png(width: int = 64, height: int = 48, *, text: bytes | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), "teal")
    if text is None:
        image.save(out, "PNG")
    else:
        info = PngInfo()
        info.add_text("Comment", text.decode())
        image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def multipart(
    filename: bytes, data: bytes, content_type: bytes = b"image/png"
) -> tuple[bytes, str]:
    """A multipart body written byte for byte, as an attacker would: the file name unescaped."""
    boundary = uuid.uuid4().hex
    parts = [
        b"--" + boundary.encode(),
        b'Content-Disposition: form-data; name="prompt"',
        b"",
        b"A hostile upload",
        b"--" + boundary.encode(),
        b'Content-Disposition: form-data; name="seconds"',
        b"",
        b"4",
        b"--" + boundary.encode(),
        b'Content-Disposition: form-data; name="input_reference"; filename="' + filename + b'"',
        b"Content-Type: " + content_type,
        b"",
        data,
        b"--" + boundary.encode() + b"--",
        b"",
    ]
    return b"\r\n".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(
    client: httpx.Client,
    data: bytes,
    filename: bytes = b"frame.png",
    content_type: bytes = b"image/png",
) -> httpx.Response:
    body, header = multipart(filename, data, content_type)
    return client.post("/api/videos", content=body, headers={"Content-Type": header})


def stored_files(server: LiveServer) -> list[Path]:
    media = server.settings.data_dir / "media"
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def assert_refused(response: httpx.Response, status: int, message: str, what: str) -> None:
    assert response.status_code == status, f"{what}: {response.status_code} {response.text}"
    assert response.headers["content-type"] == "application/json", what
    assert message in response.json()["error"], f"{what}: {response.json()}"


def assert_nothing_made(server: LiveServer, client: httpx.Client) -> None:
    assert client.get("/api/videos").json()["videos"] == []
    assert stored_files(server) == []


def test_an_upload_over_the_cap_is_413_and_nothing_is_kept(
    target: tuple[LiveServer, httpx.Client],
) -> None:
    server, client = target
    image = png()
    just_over = image + b"\0" * (CAP + 1 - len(image))  # a PNG with trailing bytes: size alone
    assert_refused(upload(client, just_over), 413, "larger than", "one byte over the cap")
    far_over = os.urandom(8 * CAP)
    assert_refused(upload(client, far_over), 413, "", "eight times the cap")

    # Sent chunked: no Content-Length to refuse up front, counted as it arrives.
    body, header = multipart(b"big.png", far_over)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    chunked = client.post("/api/videos", content=chunks(), headers={"Content-Type": header})
    assert_refused(chunked, 413, "", "eight times the cap, chunked")
    assert_nothing_made(server, client)
    # At the cap itself, a real image is fine.
    padded = upload(client, image)
    assert padded.status_code == 201, padded.text


DISGUISES = {
    "HTML": b"<!doctype html><html><script>alert(document.cookie)</script></html>",
    "SVG": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "ZIP": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + os.urandom(200),
    "PDF": b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF",
    "ELF": b"\x7fELF\x02\x01\x01\x00" + bytes(200),
    "GIF": base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="),
    "BMP": b"BM" + bytes(60),
    "text": b"just some text, honestly a PNG",
}


def test_files_disguised_as_png_are_400(target: tuple[LiveServer, httpx.Client]) -> None:
    server, client = target
    for kind, data in DISGUISES.items():
        for content_type in (b"image/png", b"application/octet-stream"):
            response = upload(client, data, b"photo.png", content_type)
            assert_refused(response, 400, WRONG_FORMAT, f"{kind} as photo.png ({content_type!r})")
    # PNG's signature in front of something else: found out when it is parsed.
    header_then_html = b"\x89PNG\r\n\x1a\n" + DISGUISES["HTML"]
    assert_refused(upload(client, header_then_html), 400, "not a readable image", "PNG + HTML")
    truncated = png(640, 480)[:200]
    assert_refused(upload(client, truncated), 400, "not a readable image", "truncated PNG")
    assert_nothing_made(server, client)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int) -> bytes:
    """PNG's signature and a header chunk for `width` x `height` 8-bit grey pixels."""
    fields = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", fields)


def png_bomb(width: int, height: int) -> bytes:
    """A real, complete PNG of `width` x `height` black 8-bit grey pixels: a few hundred KiB that
    inflate to width * height bytes."""
    squeezer = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte 0, then black
    rows_per_piece = max(1, (16 << 20) // len(row))
    pieces = []
    for start in range(0, height, rows_per_piece):
        pieces.append(squeezer.compress(row * min(rows_per_piece, height - start)))
    pieces.append(squeezer.flush())
    return png_header(width, height) + _chunk(b"IDAT", b"".join(pieces)) + _chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims `width` x `height`."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def test_decompression_bombs_are_400_without_being_decoded(
    target: tuple[LiveServer, httpx.Client],
) -> None:
    server, client = target
    bomb = png_bomb(20_000, 20_000)  # 400 MB of pixels in a few hundred KiB
    assert len(bomb) < CAP // 2
    before = peak_rss_mib()  # the server runs in this process: its peak is ours
    bombs = {
        "PNG 20000x20000": bomb,
        "PNG 100000x100000 (no pixel data)": png_header(100_000, 100_000) + _chunk(b"IEND", b""),
        "JPEG 65000x65000": jpeg_claiming(65_000, 65_000),
        "JPEG 9000x9000": jpeg_claiming(9_000, 9_000),
    }
    for what, data in bombs.items():
        response = upload(client, data)
        assert response.status_code == 400, f"{what}: {response.status_code} {response.text}"
        assert response.json()["error"].startswith(
            ("input_reference is too large", "input_reference is not a readable")
        ), (
            what,
            response.json(),
        )
    grown = peak_rss_mib() - before
    assert grown < 150, f"the server's memory grew by {grown:.0f} MiB on decompression bombs"
    assert "20000x20000" in upload(client, bomb).json()["error"]
    assert_nothing_made(server, client)


PATHS = {
    "relative escape": b"../../../../etc/passwd.png",
    "absolute": b"/etc/passwd.png",
    "Windows escape": b"..\\..\\..\\Windows\\win.ini.png",
    "percent-encoded escape": b"%2e%2e%2f%2e%2e%2fescape.png",
    "NUL byte": b"evil.png\x00.sh",
    "into the data dir": b"../sora2.db",
    "over the secret": b"../../jwt_secret",
    "long": b"x" * 4000 + b".png",
    "empty": b"",
}


def test_path_like_file_names_are_never_used_for_storage(
    target: tuple[LiveServer, httpx.Client],
) -> None:
    server, client = target
    data_dir = server.settings.data_dir
    secret_before = (data_dir / "jwt_secret").read_bytes()
    marker = f"client-metadata-{uuid.uuid4().hex}".encode()
    image = png(text=marker)
    made = []
    for what, filename in PATHS.items():
        response = upload(client, image, filename)
        # Refusing a name is fine; using it is not (and nothing crashes).
        assert response.status_code in (201, 400), f"{what}: {response.status_code} {response.text}"
        assert filename.decode(errors="replace")[:40] not in response.text or not filename, what
        if response.status_code == 201:
            made.append(response.json()["id"])
    assert made, "no upload with a path-like name was accepted at all"

    # Every stored file is named by the server: videos/<uuid>/reference.png and what the
    # tracker adds; nothing named after, or placed by, the client's name.
    for path in stored_files(server):
        relative = path.relative_to(data_dir / "media")
        assert relative.parts[0] == "videos" and str(uuid.UUID(relative.parts[1])), relative
        client_words = ("passwd", "win.ini", "escape", "evil", "xxxx", "sora2.db", "secret")
        assert not any(word in str(relative) for word in client_words), relative
    for video_id in made:
        reference = data_dir / "media" / "videos" / video_id / "reference.png"
        assert reference.is_file(), video_id
        # Re-encoded by the server: the client's metadata does not survive.
        assert marker not in reference.read_bytes()
    assert not Path("/etc/passwd.png").exists()
    assert not any(data_dir.parent.rglob("*passwd*")), "a file named after the client's"
    assert not any(data_dir.parent.rglob("*win.ini*"))
    assert (data_dir / "jwt_secret").read_bytes() == secret_before
    assert client.get("/api/auth/me").status_code == 200  # the database is still the database
