"""The simulator's HTTP face: OpenAI's `/v1/videos` routes, as an ASGI app with a lifespan.

POST   /v1/videos                      create (multipart/form-data or JSON)
GET    /v1/videos                      list (cursor page: after, limit, order)
GET    /v1/videos/{id}                 retrieve (+ `openai-poll-after-ms`)
DELETE /v1/videos/{id}                 delete (any state; a running render is abandoned)
POST   /v1/videos/{id}/remix           remix a completed video
GET    /v1/videos/{id}/content         download: ?variant=video|thumbnail|spritesheet
GET    /v1/simulator/stats             creates, remixes, requests (and per operation), peak_active,
                                        webhooks_sent
POST   /v1/simulator/faults            queue faults (only with `faults=True`; see faults.py)
GET    /v1/simulator/faults            the faults still queued
DELETE /v1/simulator/faults            clear them

With `webhook_url` and `webhook_secret`, each job's outcome is announced there as a signed
`video.completed` / `video.failed` webhook. A prompt containing `[no-quota]` is refused with
429 `insufficient_quota`, as OpenAI answers an account without credit.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from sora2.providers.simulator.faults import (
    DroppedResponse,
    Fault,
    FaultQueue,
    StalledResponse,
    parse_faults,
    pause,
)
from sora2.providers.simulator.jobs import Job, new_video_id, state_at, to_openai
from sora2.providers.simulator.rendering import RenderPool
from sora2.providers.simulator.spec import SPRITESHEET_FILE, THUMBNAIL_FILE, VIDEO_FILE
from sora2.providers.simulator.store import JobStore, Reference
from sora2.providers.simulator.validation import (
    APIError,
    check_reference,
    not_found,
    parse_create,
    parse_limit,
    parse_remix_prompt,
    read_body,
    reference_from_data_url,
)
from sora2.providers.simulator.webhooks import WebhookSender

Handler = Callable[[Request], Awaitable[Response]]
POLL_AFTER_HEADER = "openai-poll-after-ms"
_VARIANTS = {
    "video": (VIDEO_FILE, "video/mp4"),
    "thumbnail": (THUMBNAIL_FILE, "image/webp"),
    "spritesheet": (SPRITESHEET_FILE, "image/jpeg"),
}
NO_QUOTA_MARKER = "[no-quota]"


class _MediaResponse(FileResponse):
    chunk_size = 1 << 20  # 64 KiB chunks cost ~3x more CPU per byte served


class _Simulator:
    """The state behind the routes; it exists only between lifespan startup and shutdown."""

    def __init__(
        self,
        *,
        data_dir: Path,
        api_key: str | None,
        job_seconds: float,
        render_workers: int,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        faults: bool = False,
    ) -> None:
        self.data_dir, self.api_key, self.job_seconds = data_dir, api_key, job_seconds
        self.faults = FaultQueue() if faults else None
        self.render_workers = render_workers
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self._store: JobStore | None = None
        self._pool: RenderPool | None = None
        self._webhooks: WebhookSender | None = None

    @property
    def store(self) -> JobStore:
        if self._store is None:
            raise RuntimeError("the simulator app is not started (run it with its lifespan)")
        return self._store

    @property
    def pool(self) -> RenderPool:
        if self._pool is None:
            raise RuntimeError("the simulator app is not started (run it with its lifespan)")
        return self._pool

    @asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        self._store = await JobStore.open(self.data_dir / "jobs.db")
        self._pool = RenderPool(
            store=self._store, media_root=self.data_dir / "media", workers=self.render_workers
        )
        if self.webhook_url and self.webhook_secret:
            self._webhooks = WebhookSender(
                url=self.webhook_url, secret=self.webhook_secret, store=self._store
            )
        try:
            # Renders cut short by the last stop start again from the beginning.
            for job in await self._store.pending_renders():
                self._pool.submit(job)
            yield
        finally:
            if self._webhooks is not None:
                await self._webhooks.aclose()
                self._webhooks = None
            await self._pool.aclose()
            await self._store.aclose()
            self._store = self._pool = None

    # ------------------------------------------------------------------ plumbing

    def endpoint(
        self, handler: Handler, *, counted: bool = True, operation: str | None = None
    ) -> Handler:
        """Authenticate, count, inject a queued fault, and turn `APIError` into OpenAI's error
        body."""

        async def run(request: Request) -> Response:
            request_id = f"req_{secrets.token_hex(16)}"
            try:
                if counted:
                    await self.store.bump("requests")
                if operation is not None:
                    await self.store.bump(f"{operation}_requests")  # type: ignore[arg-type]
                self.authenticate(request)
                fault = self.next_fault(request, operation)
                if fault is None:
                    response = await handler(request)
                else:
                    response = await self.with_fault(request, handler, fault)
            except APIError as exc:
                response = exc.response()
            response.headers["x-request-id"] = request_id
            return response

        return run

    def next_fault(self, request: Request, operation: str | None) -> Fault | None:
        if self.faults is None or operation is None:
            return None
        return self.faults.take(operation, variant=request.query_params.get("variant", "video"))

    async def with_fault(self, request: Request, handler: Handler, fault: Fault) -> Response:
        if fault.status is not None:  # refused: nothing is done
            await pause(request, fault.delay)
            error = fault.error().response()
            if fault.retry_after is not None:
                error.headers["retry-after"] = f"{fault.retry_after:g}"
            return error
        response = await handler(request)
        if fault.drop:
            return DroppedResponse()
        if fault.stall and isinstance(response, FileResponse):
            data = await asyncio.to_thread(Path(response.path).read_bytes)
            return StalledResponse(request, data, response.media_type or "", fault.delay)
        await pause(request, fault.delay)
        return response

    def authenticate(self, request: Request) -> None:
        if self.api_key is None:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise APIError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        token = token.strip()
        if not hmac.compare_digest(token.encode(), self.api_key.encode()):
            shown = f"{token[:3]}***{token[-4:]}" if len(token) > 8 else "***"
            raise APIError(401, f"Incorrect API key provided: {shown}.", code="invalid_api_key")

    def video_response(self, job: Job, *, status_code: int = 200) -> JSONResponse:
        response = JSONResponse(to_openai(job, state_at(job, time.time())), status_code=status_code)
        # The SDK's poll helpers honour this hint; a tenth of the job's duration is plenty.
        response.headers[POLL_AFTER_HEADER] = str(max(100, int(job.job_seconds * 100)))
        return response

    async def job(self, request: Request) -> Job:
        video_id = request.path_params["video_id"]
        job = await self.store.get(video_id)
        if job is None:
            raise not_found(video_id)
        return job

    async def replay(self, request: Request) -> Job | None:
        """The job an earlier request with this Idempotency-Key created, if any."""
        key = request.headers.get("idempotency-key")
        if not key:
            return None
        known, job = await self.store.lookup_key(key)
        if known and job is None:
            raise APIError(
                409,
                "The video created with this Idempotency-Key has been deleted; use a new key.",
                param="Idempotency-Key",
                code="idempotency_key_reused",
            )
        return job

    async def store_new(self, request: Request, job: Job, reference: Reference | None) -> Response:
        is_remix = job.remixed_from is not None
        created = await self.store.create(
            job,
            idempotency_key=request.headers.get("idempotency-key") or None,
            reference=reference,
            counter="remixes" if is_remix else "creates",
        )
        if created is None:  # a concurrent request with the same key won, then was deleted
            raise not_found(job.id)
        if created.is_new and created.job.needs_render:
            self.pool.submit(created.job)
        if created.is_new and self._webhooks is not None:
            self._webhooks.watch(created.job)
        return self.video_response(created.job)

    # ------------------------------------------------------------------ routes

    async def create(self, request: Request) -> Response:
        fields, upload = await read_body(request, file_field="input_reference")
        params = parse_create(fields)
        if NO_QUOTA_MARKER in params.prompt.lower():
            raise APIError(
                429,
                "You exceeded your current quota, please check your plan and billing details.",
                code="insufficient_quota",
                error_type="insufficient_quota",
            )
        earlier = await self.replay(request)
        if earlier is not None:
            return self.video_response(earlier)
        raw = upload
        if raw is None and fields.get("input_reference") not in (None, ""):
            raw = reference_from_data_url(fields["input_reference"])
        reference = None if raw is None else await asyncio.to_thread(check_reference, raw)
        job = Job(
            id=new_video_id(),
            created_at=time.time(),
            model=params.model,
            size=params.size,
            seconds=params.seconds,
            prompt=params.prompt,
            job_seconds=self.job_seconds,
            has_reference=reference is not None,
        )
        return await self.store_new(request, job, reference)

    async def retrieve(self, request: Request) -> Response:
        return self.video_response(await self.job(request))

    async def list(self, request: Request) -> Response:
        query = request.query_params
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise APIError(
                400,
                f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
                param="order",
                code="invalid_value",
            )
        limit = parse_limit(query.get("limit"))
        jobs, has_more = await self.store.page(
            after=query.get("after") or None, limit=limit, descending=order == "desc"
        )
        now = time.time()
        data = [to_openai(job, state_at(job, now)) for job in jobs]
        body: dict[str, Any] = {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": has_more,
        }
        return JSONResponse(body)

    async def delete(self, request: Request) -> Response:
        video_id = request.path_params["video_id"]
        if not await self.store.delete(video_id):
            raise not_found(video_id)
        await self.pool.abandon(video_id)
        return JSONResponse({"id": video_id, "object": "video.deleted", "deleted": True})

    async def remix(self, request: Request) -> Response:
        fields, _ = await read_body(request, file_field=None)
        prompt = parse_remix_prompt(fields)
        earlier = await self.replay(request)
        if earlier is not None:
            return self.video_response(earlier)
        source = await self.job(request)
        status = state_at(source, time.time()).status
        if status != "completed":
            raise APIError(
                400,
                f"Video '{source.id}' is {status}; only completed videos can be remixed.",
                param="video_id",
                code="invalid_video_state",
            )
        job = Job(
            id=new_video_id(),
            created_at=time.time(),
            model=source.model,
            size=source.size,
            seconds=source.seconds,
            prompt=prompt,
            job_seconds=self.job_seconds,
            remixed_from=source.id,
        )
        return await self.store_new(request, job, None)

    async def content(self, request: Request) -> Response:
        variant = request.query_params.get("variant", "video")
        if variant not in _VARIANTS:
            raise APIError(
                400,
                f"Invalid value: '{variant}'. Supported values are: 'video', 'thumbnail', "
                "and 'spritesheet'.",
                param="variant",
                code="invalid_value",
            )
        job = await self.job(request)
        status = state_at(job, time.time()).status
        if status != "completed":
            raise APIError(
                400,
                f"Video '{job.id}' is {status}; its content can be downloaded once it is "
                "completed.",
                param="video_id",
                code="video_not_ready",
            )
        filename, media_type = _VARIANTS[variant]
        path = self.pool.media_dir(job.id) / filename
        if not await asyncio.to_thread(path.is_file):
            raise not_found(job.id)
        return _MediaResponse(path, media_type=media_type)

    async def stats(self, _request: Request) -> Response:
        return JSONResponse(await self.store.counters())

    async def add_faults(self, request: Request) -> Response:
        assert self.faults is not None
        try:
            body = await request.json()
        except ValueError:
            raise APIError(400, "The body must be JSON.") from None
        faults = parse_faults(body)
        self.faults.add(faults)
        return JSONResponse({"queued": len(faults), "pending": self.faults.pending()})

    async def list_faults(self, _request: Request) -> Response:
        assert self.faults is not None
        return JSONResponse({"pending": self.faults.pending()})

    async def clear_faults(self, _request: Request) -> Response:
        assert self.faults is not None
        self.faults.clear()
        return JSONResponse({"pending": []})


def build_simulator_app(
    *,
    data_dir: Path,
    api_key: str | None,
    job_seconds: float,
    render_workers: int = 1,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    faults: bool = False,
) -> Starlette:
    """The OpenAI Videos API simulator as an ASGI app; its state opens in the lifespan.

    With `webhook_url` and `webhook_secret` it posts signed webhooks when jobs finish; with
    `faults` it serves `/v1/simulator/faults` to queue misbehaviour for tests."""
    sim = _Simulator(
        data_dir=Path(data_dir),
        api_key=api_key or None,
        job_seconds=max(0.0, job_seconds),
        render_workers=render_workers,
        webhook_url=webhook_url or None,
        webhook_secret=webhook_secret or None,
        faults=faults,
    )
    e = sim.endpoint
    routes = [
        Route("/v1/videos", e(sim.create, operation="create"), methods=["POST"]),
        Route("/v1/videos", e(sim.list, operation="list"), methods=["GET"]),
        Route("/v1/videos/{video_id}", e(sim.retrieve, operation="retrieve"), methods=["GET"]),
        Route("/v1/videos/{video_id}", e(sim.delete, operation="delete"), methods=["DELETE"]),
        Route("/v1/videos/{video_id}/remix", e(sim.remix, operation="remix"), methods=["POST"]),
        Route(
            "/v1/videos/{video_id}/content", e(sim.content, operation="content"), methods=["GET"]
        ),
        Route("/v1/simulator/stats", e(sim.stats, counted=False), methods=["GET"]),
    ]
    if faults:
        routes += [
            Route("/v1/simulator/faults", e(sim.add_faults, counted=False), methods=["POST"]),
            Route("/v1/simulator/faults", e(sim.list_faults, counted=False), methods=["GET"]),
            Route("/v1/simulator/faults", e(sim.clear_faults, counted=False), methods=["DELETE"]),
        ]
    return Starlette(
        routes=routes,
        lifespan=sim.lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        message = f"Invalid URL ({request.method} {request.url.path})"
    else:
        message = str(exc.detail)
    return APIError(exc.status_code, message).response()


async def _server_error(_request: Request, _exc: Exception) -> Response:
    return APIError(
        500,
        "The server had an error while processing your request.",
        error_type="server_error",
    ).response()
