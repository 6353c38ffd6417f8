"""The peers: the least a server can do on each path, on the same uvicorn (`python -m bench.peers`).

- `bytes FILE`: every GET answers the same bytes (the peer of `GET /api/videos/{id}`).
- `fastapi FILE`: the same bytes from a trivial FastAPI route (no dependency, no database): what
  the framework alone costs, for reading B1.
- `list DB_URL`: the list query through the raw driver (aiosqlite / asyncpg), as JSON.
- `ws`: raw websockets at /ws; `POST /emit?count=N` sends N stamped frames to every socket.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

LIST_SQL = (
    "SELECT id, user_id, upstream_id, prompt, model, size, seconds, status, progress, "
    "created_at, completed_at, expires_at, error_message, remixed_from FROM videos "
    "WHERE user_id = {p1} ORDER BY created_at DESC, id DESC LIMIT {p2} OFFSET {p3}"
)


async def ready(request: Request) -> Response:
    return PlainTextResponse("ok")


def bytes_app(body: bytes, media_type: str) -> Starlette:
    async def answer(request: Request) -> Response:
        return Response(body, media_type=media_type)

    return Starlette(routes=[Route("/ready", ready), Route("/{path:path}", answer)])


def fastapi_app(body: bytes, media_type: str) -> Any:
    from fastapi import APIRouter, FastAPI  # only this peer needs it

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    router = APIRouter(prefix="/api")

    @router.get("/videos/{video_id}")
    async def answer(video_id: str) -> Response:
        return Response(body, media_type=media_type)

    app.include_router(router)
    app.add_api_route("/ready", ready)
    return app


def _video(row: Any) -> dict[str, Any]:
    return {
        "id": row[0],
        "user_id": row[1],
        "openai_video_id": row[2],
        "prompt": row[3],
        "model": row[4],
        "size": row[5],
        "seconds": str(row[6]),
        "status": row[7],
        "progress": row[8],
        "created_at": int(row[9]),
        "completed_at": None if row[10] is None else int(row[10]),
        "expires_at": None if row[11] is None else int(row[11]),
        "error_message": row[12],
        "remixed_from": row[13],
    }


def list_app(db_url: str) -> Starlette:
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if db_url.startswith("sqlite"):
            import aiosqlite

            path = db_url.split("///", 1)[1]
            async with aiosqlite.connect(path) as conn:
                state["sqlite"] = conn
                yield
        else:
            import asyncpg

            dsn = db_url.replace("postgresql+asyncpg://", "postgresql://")
            pool = await asyncpg.create_pool(dsn, min_size=4, max_size=4)
            state["pg"] = pool
            try:
                yield
            finally:
                await pool.close()

    async def listing(request: Request) -> Response:
        user_id = request.query_params["user_id"]
        limit = int(request.query_params.get("limit", "50"))
        offset = int(request.query_params.get("offset", "0"))
        if "sqlite" in state:
            sql = LIST_SQL.format(p1="?", p2="?", p3="?")
            async with state["sqlite"].execute(sql, (user_id, limit, offset)) as cursor:
                rows = await cursor.fetchall()
        else:
            sql = LIST_SQL.format(p1="$1", p2="$2", p3="$3")
            rows = await state["pg"].fetch(sql, user_id, limit, offset)
        videos = [_video(row) for row in rows]
        return JSONResponse({"videos": videos, "limit": limit, "offset": offset})

    return Starlette(routes=[Route("/ready", ready), Route("/list", listing)], lifespan=lifespan)


def ws_app() -> Starlette:
    sockets: set[WebSocket] = set()

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        sockets.add(websocket)
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            sockets.discard(websocket)

    async def emit(request: Request) -> Response:
        count = int(request.query_params.get("count", "1"))
        for seq in range(count):
            frame = json.dumps(
                {
                    "video_id": "00000000-0000-0000-0000-000000000000",
                    "updates": {
                        "status": "in_progress",
                        "progress": 50,
                        "seq": seq,
                        "sent_at": time.time(),
                    },
                }
            )
            for websocket in tuple(sockets):
                await websocket.send_text(frame)
        return JSONResponse({"sockets": len(sockets)})

    async def count(request: Request) -> Response:
        return JSONResponse({"sockets": len(sockets)})

    return Starlette(
        routes=[
            Route("/ready", ready),
            Route("/emit", emit, methods=["POST"]),
            Route("/count", count),
            WebSocketRoute("/ws", endpoint),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__)
    parser.add_argument("kind", choices=["bytes", "fastapi", "list", "ws"])
    parser.add_argument("source", nargs="?", help="bytes: a file; list: a database URL")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--media-type", default="application/json")
    args = parser.parse_args()
    app: Any
    if args.kind == "bytes":
        app = bytes_app(Path(args.source).read_bytes(), args.media_type)
    elif args.kind == "fastapi":
        app = fastapi_app(Path(args.source).read_bytes(), args.media_type)
    elif args.kind == "list":
        app = list_app(args.source)
    else:
        app = ws_app()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
