"""Signed webhooks from the simulator: `video.completed` / `video.failed`, as OpenAI sends them.

Standard Webhooks signing: headers `webhook-id`, `webhook-timestamp` and `webhook-signature`
(`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the base64 part of a `whsec_`
secret). A delivery that is not answered 2xx is retried a few times with growing pauses. Only
jobs created while the simulator runs are announced; polling covers the rest, as with any
provider whose webhooks may be lost.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time

import httpx

from sora2.providers.simulator.jobs import Job, state_at
from sora2.providers.simulator.store import JobStore

log = logging.getLogger(__name__)

RETRY_PAUSES = (0.5, 1.0, 2.0, 5.0)
_CHECK_EVERY = 0.1  # seconds between looks at a job whose time is up but render is not


def sign(secret: str, *, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one delivery."""
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def new_secret() -> str:
    """A fresh `whsec_...` secret, in the format OpenAI hands out."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookSender:
    def __init__(self, *, url: str, secret: str, store: JobStore) -> None:
        self._url = url
        self._secret = secret
        self._store = store
        self._client = httpx.AsyncClient(timeout=10)
        self._tasks: set[asyncio.Task[None]] = set()

    def watch(self, job: Job) -> None:
        """Announce `job`'s outcome when it has one."""
        task = asyncio.get_running_loop().create_task(self._watch(job), name=f"webhook {job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    async def _watch(self, job: Job) -> None:
        await asyncio.sleep(max(0.0, job.created_at + job.job_seconds * 0.5 - time.time()))
        while True:
            current = await self._store.get(job.id)
            if current is None:
                return  # deleted: nothing to announce
            status = state_at(current, time.time()).status
            if status in ("completed", "failed"):
                await self._deliver(f"video.{status}", current.id)
                return
            await asyncio.sleep(_CHECK_EVERY)

    async def _deliver(self, event_type: str, video_id: str) -> None:
        webhook_id = f"msg_{secrets.token_hex(12)}"
        now = int(time.time())
        body = json.dumps(
            {
                "id": f"evt_{secrets.token_hex(12)}",
                "object": "event",
                "created_at": now,
                "type": event_type,
                "data": {"id": video_id},
            },
            separators=(",", ":"),
        ).encode()
        for pause in (0.0, *RETRY_PAUSES):
            await asyncio.sleep(pause)
            # A retry is the same delivery: same id, fresh timestamp and signature.
            timestamp = int(time.time())
            headers = {
                "content-type": "application/json",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(
                    self._secret, webhook_id=webhook_id, timestamp=timestamp, body=body
                ),
            }
            try:
                response = await self._client.post(self._url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                log.info("simulator webhook %s to %s failed: %s", webhook_id, self._url, exc)
                continue
            if response.is_success:
                await self._store.bump("webhooks_sent")
                return
            log.info("simulator webhook %s answered %d", webhook_id, response.status_code)
        log.warning("simulator webhook %s (%s %s) gave up", webhook_id, event_type, video_id)
