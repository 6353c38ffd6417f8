"""A fake of the Google API's Veo endpoints (Vertex AI express mode), for the real SDK to call.

    POST /v1beta1/publishers/google/models/{model}:predictLongRunning   -> {"name": operation}
    POST /v1beta1/publishers/google/models/{model}:fetchPredictOperation {"operationName": ...}

Checks the `x-goog-api-key` header and the request's shape like the real service, and answers
with real MP4 bytes (rendered by the simulator's renderer) once an operation's time is up.
Prompt markers pick an outcome: `[unsafe]` (filtered by the safety system), `[error]` (a failed
operation), `[busy]` (429 RESOURCE_EXHAUSTED with Retry-After at create).
"""

from __future__ import annotations

import asyncio
import base64
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sora2.providers.simulator.renderer import VIDEO_FILE, RenderSpec, render, seed_for

API_KEY = "fake-google-api-key"
SHAPES = {
    ("16:9", "720p"): (1280, 720),
    ("9:16", "720p"): (720, 1280),
    ("16:9", "1080p"): (1920, 1080),
    ("9:16", "1080p"): (1080, 1920),
}
MODELS = ("veo-3.1-generate-001", "veo-3.1-fast-generate-001")
# Renders are costly at full size: the fake draws small frames of the same shape.
RENDER_SCALE = 4


@dataclass
class Operation:
    name: str
    model: str
    prompt: str
    seconds: int
    width: int
    height: int
    image: bytes | None
    created_at: float
    video: bytes | None = None


@dataclass
class FakeVeo:
    job_seconds: float = 0.5
    operations: dict[str, Operation] = field(default_factory=dict)
    creates: int = 0
    polls: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    # The most operations running at once, as Google would count them (seen at each create).
    peak_running: int = 0
    _render_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/v1beta1/publishers/google/models/{model}:predictLongRunning",
                    self.create,
                    methods=["POST"],
                ),
                Route(
                    "/v1beta1/publishers/google/models/{model}:fetchPredictOperation",
                    self.fetch,
                    methods=["POST"],
                ),
            ]
        )

    async def create(self, request: Request) -> JSONResponse:
        if (denied := _check_key(request)) is not None:
            return denied
        model = request.path_params["model"]
        if model not in MODELS:
            return _error(404, "NOT_FOUND", f"Publisher Model `{model}` was not found.")
        body = await request.json()
        self.requests.append(body)
        instance = body["instances"][0]
        parameters = body.get("parameters", {})
        shape = SHAPES.get((parameters.get("aspectRatio"), parameters.get("resolution")))
        seconds = parameters.get("durationSeconds")
        if shape is None or seconds not in (4, 6, 8):
            return _error(
                400, "INVALID_ARGUMENT", "Unsupported aspect ratio, resolution or length."
            )
        prompt = instance.get("prompt", "")
        if "[busy]" in prompt:
            return _error(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests.",
                headers={"Retry-After": "7"},
            )
        image = instance.get("image")
        self.creates += 1
        now = time.time()
        running = sum(now - op.created_at < self.job_seconds for op in self.operations.values())
        self.peak_running = max(self.peak_running, running + 1)
        name = f"publishers/google/models/{model}/operations/{uuid.uuid4()}"
        self.operations[name] = Operation(
            name=name,
            model=model,
            prompt=prompt,
            seconds=int(seconds),
            width=shape[0],
            height=shape[1],
            image=base64.b64decode(image["bytesBase64Encoded"]) if image else None,
            created_at=time.time(),
        )
        return JSONResponse({"name": name})

    async def fetch(self, request: Request) -> JSONResponse:
        if (denied := _check_key(request)) is not None:
            return denied
        self.polls += 1
        name = (await request.json()).get("operationName", "")
        operation = self.operations.get(name)
        if operation is None or not name.startswith(
            f"publishers/google/models/{request.path_params['model']}/"
        ):
            return _error(404, "NOT_FOUND", f"Operation {name} not found.")
        elapsed = time.time() - operation.created_at
        if elapsed < self.job_seconds:
            share = int(100 * elapsed / self.job_seconds) if self.job_seconds else 0
            return JSONResponse(
                {"name": name, "done": False, "metadata": {"progressPercent": share}}
            )
        if "[error]" in operation.prompt:
            error = {"code": 13, "message": "Video generation failed due to an internal error."}
            return JSONResponse({"name": name, "done": True, "error": error})
        response: dict[str, Any] = {
            "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
        }
        if "[unsafe]" in operation.prompt:
            response |= {
                "raiMediaFilteredCount": 1,
                "raiMediaFilteredReasons": [
                    "The video could not be generated because it violates the usage guidelines."
                ],
            }
        else:
            video = await self._render(operation)
            response["videos"] = [
                {"bytesBase64Encoded": base64.b64encode(video).decode(), "mimeType": "video/mp4"}
            ]
        return JSONResponse({"name": name, "done": True, "response": response})

    async def _render(self, operation: Operation) -> bytes:
        async with self._render_lock:
            if operation.video is None:
                operation.video = await asyncio.to_thread(_render_mp4, operation)
        return operation.video


@contextmanager
def serve_fake_veo(*, job_seconds: float = 0.5) -> Iterator[tuple[FakeVeo, str]]:
    """A fake Veo on a loopback port, served by a thread (for tests whose server is a thread
    too); yields it and the base URL to give the SDK."""
    fake = FakeVeo(job_seconds=job_seconds)
    server = uvicorn.Server(
        uvicorn.Config(fake.app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake Veo did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield fake, f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _render_mp4(operation: Operation) -> bytes:
    spec = RenderSpec(
        prompt=operation.prompt,
        width=operation.width // RENDER_SCALE // 2 * 2,
        height=operation.height // RENDER_SCALE // 2 * 2,
        seconds=operation.seconds,
        seed=seed_for(operation.prompt),
        label=f"{operation.model} (fake Veo)",
        reference=operation.image,
    )
    with tempfile.TemporaryDirectory() as folder:
        render(spec, Path(folder), should_stop=lambda: False)
        return (Path(folder) / VIDEO_FILE).read_bytes()


def _check_key(request: Request) -> JSONResponse | None:
    if request.headers.get("x-goog-api-key") != API_KEY:
        return _error(
            401, "UNAUTHENTICATED", "API keys are not supported by this API. Expected a valid key."
        )
    return None


def _error(
    code: int, status: str, message: str, *, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "status": status}}
    return JSONResponse(body, status_code=code, headers=headers)
