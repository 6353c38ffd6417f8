"""`WebhookDeliveryRepository`: the same on every implementation."""

from __future__ import annotations

from sora2.ports import WebhookDeliveryRepository


async def test_webhook_deliveries_are_remembered_once(
    deliveries: WebhookDeliveryRepository,
) -> None:
    assert await deliveries.last_received("openai") is None
    assert await deliveries.remember("msg_1", provider="openai", now=100.0, forget_before=0.0)
    assert not await deliveries.remember("msg_1", provider="openai", now=101.0, forget_before=0.0)
    assert await deliveries.last_received("openai") == 100.0
    # Old ids are forgotten (their timestamps would be refused as stale anyway).
    assert await deliveries.remember("msg_2", provider="openai", now=900.0, forget_before=500.0)
    assert await deliveries.remember("msg_1", provider="openai", now=901.0, forget_before=500.0)


async def test_the_last_delivery_is_kept_per_provider(
    deliveries: WebhookDeliveryRepository,
) -> None:
    await deliveries.remember("a", provider="openai", now=100.0, forget_before=0.0)
    await deliveries.remember("b", provider="veo", now=200.0, forget_before=0.0)
    await deliveries.remember("c", provider="openai", now=150.0, forget_before=0.0)

    assert await deliveries.last_received("openai") == 150.0
    assert await deliveries.last_received("veo") == 200.0
    # Ids are one namespace, whichever provider sent them.
    assert not await deliveries.remember("a", provider="veo", now=300.0, forget_before=0.0)
    # Forgetting applies to every provider's deliveries.
    await deliveries.remember("d", provider="openai", now=400.0, forget_before=175.0)
    assert await deliveries.last_received("veo") == 200.0
    await deliveries.remember("e", provider="openai", now=500.0, forget_before=250.0)
    assert await deliveries.last_received("veo") is None
