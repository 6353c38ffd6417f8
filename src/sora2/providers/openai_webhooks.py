"""Verify the `openai` provider's webhooks with the SDK's own check (Standard Webhooks).

The SDK checks the `webhook-signature` (HMAC-SHA256 over `webhook-id.webhook-timestamp.body`,
with a `whsec_` secret) and refuses a `webhook-timestamp` older or newer than the tolerance.
The event is parsed here rather than by `unwrap`: openai 3.x dropped the `video.*` event types
from its union when OpenAI's own Sora API shut down, while compatible gateways still send them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import openai

from sora2.errors import InvalidInput
from sora2.ports import WebhookEvent

DEFAULT_TOLERANCE_SECONDS = 300
_UNUSED_KEY = "sk-webhook-verification-only"  # this client never sends a request


class OpenAIWebhookVerifier:
    """`WebhookVerifier` for `POST /api/webhooks/openai`."""

    def __init__(self, *, secret: str, tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> None:
        self.tolerance = tolerance
        self._secret = secret
        self._client = openai.AsyncOpenAI(
            api_key=_UNUSED_KEY, webhook_secret=secret, base_url="http://127.0.0.1:9/v1"
        )

    def verify(self, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        lowered = {key.lower(): value for key, value in headers.items()}
        try:
            self._client.webhooks.verify_signature(
                payload, lowered, secret=self._secret, tolerance=self.tolerance
            )
        except openai.InvalidWebhookSignatureError as exc:
            raise InvalidInput(f"webhook refused: {exc}") from None
        except ValueError as exc:  # a required header is missing
            raise InvalidInput(f"webhook refused: {exc}") from None
        try:
            body = json.loads(payload)
        except ValueError:
            raise InvalidInput("webhook refused: the body is not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            raise InvalidInput("webhook refused: the body is not an event")
        data = body.get("data")
        object_id = data.get("id") if isinstance(data, dict) else None
        return WebhookEvent(
            delivery_id=lowered["webhook-id"],
            type=body["type"],
            object_id=object_id if isinstance(object_id, str) else None,
        )

    async def aclose(self) -> None:
        await self._client.close()
