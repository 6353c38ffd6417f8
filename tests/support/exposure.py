"""Helpers for the exposure-control tests: a SQLite server with overrides, and raw HTTP/1.1.

Raw sockets, because httpx cannot send a lying Content-Length, stop in the middle of a chunked
body, or read the answer the server sends before the body is complete.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.databases import fresh_database_sync
from tests.support.server import LiveServer, live_server


@contextmanager
def sqlite_server(tmp_path: Path, **overrides: Any) -> Iterator[LiveServer]:
    """A live server on a fresh SQLite database (these controls do not depend on the backend)."""
    with (
        fresh_database_sync("sqlite", tmp_path) as url,
        live_server(tmp_path / "data", url, **overrides) as server,
    ):
        yield server


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def connect(server: LiveServer, timeout: float = 10) -> socket.socket:
    parts = urlsplit(server.url)
    return socket.create_connection((parts.hostname, parts.port), timeout=timeout)


def read_response(sock: socket.socket) -> RawResponse:
    """Read one response (Content-Length framed, as the platform's errors are)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawResponse(int(status_line.split()[1]), headers, body[:length])


def request_head(method: str, path: str, server: LiveServer, headers: dict[str, str]) -> bytes:
    host = urlsplit(server.url).netloc
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"
