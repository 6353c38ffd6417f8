"""Many idle WebSocket clients in one process (`python -m bench.loadgen`), driven over stdin.

`sio URL TOKEN`: Socket.IO clients (Engine.IO 4 over a WebSocket, the wire protocol that
socket.io-client and python-socketio speak), authenticated with the token; `ws URL`: raw
WebSockets. Commands, one per line, each answered with one JSON line on stdout:

- `connect N`: open N more connections.
- `round K TRIGGER_URL`: POST the trigger (which makes the server send K stamped events to every
  client), wait until every client has K new events; report deliveries/s, latencies, losses.
- `quit`.

Clients are light on purpose (one coroutine each), so one core can hold a thousand of them and
the load generator is not what is measured.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

BATCH = 50  # connections opened at once


@dataclass
class Client:
    received: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    want: int = 0


class Fleet:
    def __init__(self, kind: str, url: str, token: str | None) -> None:
        self.kind = kind
        self.url = url
        self.token = token
        self.clients: list[Client] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def _ws_url(self) -> str:
        base = self.url.replace("http://", "ws://", 1)
        if self.kind == "sio":
            return base.rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
        return base

    async def _open(self) -> tuple[ClientConnection, Client]:
        ws = await connect(
            self._ws_url(), max_size=None, compression=None, ping_interval=None, open_timeout=60
        )
        if self.kind == "sio":
            opened = await ws.recv()
            if not str(opened).startswith("0"):
                raise RuntimeError(f"unexpected Engine.IO open packet {opened!r}")
            await ws.send("40" + json.dumps({"token": self.token}))
            answer = str(await ws.recv())
            if not answer.startswith("40"):
                raise RuntimeError(f"Socket.IO connect refused: {answer}")
        client = Client()
        return ws, client

    async def _listen(self, ws: ClientConnection, client: Client) -> None:
        sio = self.kind == "sio"
        async for message in ws:
            text = str(message)
            if sio:
                if text == "2":
                    await ws.send("3")
                    continue
                if not text.startswith("42"):
                    continue
                payload = json.loads(text[2:])[1]
            else:
                payload = json.loads(text)
            client.received.append((time.time(), payload))
            if len(client.received) >= client.want:
                client.arrived.set()

    async def connect(self, count: int) -> dict[str, Any]:
        started = time.monotonic()
        for first in range(0, count, BATCH):
            opened = await asyncio.gather(*(self._open() for _ in range(min(BATCH, count - first))))
            for ws, client in opened:
                self.clients.append(client)
                task = asyncio.create_task(self._listen(ws, client))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        return {"connected": len(self.clients), "seconds": time.monotonic() - started}

    async def round(self, count: int, trigger: str, *, wait_seconds: float = 90) -> dict[str, Any]:
        marks = []
        for client in self.clients:
            marks.append(len(client.received))
            client.want = len(client.received) + count
            client.arrived = asyncio.Event()
        async with httpx.AsyncClient(timeout=wait_seconds) as http:
            response = await http.post(trigger)
            response.raise_for_status()
        waiting = [asyncio.create_task(c.arrived.wait()) for c in self.clients]
        _done, pending = await asyncio.wait(waiting, timeout=wait_seconds)
        for task in pending:
            task.cancel()
        latencies: list[float] = []
        first_sent = float("inf")
        last_received = 0.0
        delivered = lost = disordered = 0
        for client, mark in zip(self.clients, marks, strict=True):
            got = client.received[mark:]
            delivered += len(got)
            lost += max(0, count - len(got))
            seqs = [payload["updates"]["seq"] for _, payload in got]
            disordered += seqs != sorted(seqs)
            for received_at, payload in got:
                sent_at = float(payload["updates"]["sent_at"])
                first_sent = min(first_sent, sent_at)
                last_received = max(last_received, received_at)
                latencies.append(received_at - sent_at)
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else 0
        span = max(1e-9, last_received - first_sent)
        return {
            "delivered": delivered,
            "lost": lost,
            "disordered_clients": disordered,
            "deliveries_per_second": delivered / span,
            "p99_ms": p99 * 1e3,
        }


async def main() -> None:
    kind, url = sys.argv[1], sys.argv[2]
    fleet = Fleet(kind, url, sys.argv[3] if len(sys.argv) > 3 else None)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        command, *args = line.split()
        try:
            if command == "connect":
                answer = await fleet.connect(int(args[0]))
            elif command == "round":
                answer = await fleet.round(int(args[0]), args[1])
            elif command == "quit":
                break
            else:
                answer = {"error": f"unknown command {command!r}"}
        except Exception as exc:  # reported to the driver, which fails the benchmark
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
