"""The full platform app, plus one bench-only route to publish events (`python -m bench.host`).

`POST /bench/emit?user_id=U&count=N` publishes N `video_update`s for user U on the app's own
event bus, exactly where the tracker publishes them, stamped with the time they were sent. It
exists only in this process, which the benchmarks start; the platform has no such route.
"""

from __future__ import annotations

import time

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sora2.api.app import create_app
from sora2.config import load_settings
from sora2.events import VideoUpdate


def build() -> FastAPI:
    settings = load_settings()
    app = create_app(settings)

    async def emit(request: Request) -> JSONResponse:
        user_id = request.query_params["user_id"]
        count = int(request.query_params.get("count", "1"))
        events = request.app.state.container.events
        for seq in range(count):
            update = {"status": "in_progress", "progress": 50, "seq": seq, "sent_at": time.time()}
            await events.publish(
                VideoUpdate(
                    user_id=user_id,
                    video_id="00000000-0000-0000-0000-000000000000",
                    updates=update,
                )
            )
        return JSONResponse({"published": count})

    app.add_api_route("/bench/emit", emit, methods=["POST"], include_in_schema=False)
    return app


def main() -> None:
    settings = load_settings()
    uvicorn.run(
        build(),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        server_header=False,
    )


if __name__ == "__main__":
    main()
