"""An `EventPublisher` that keeps what it is given, for tests to read."""

from __future__ import annotations

from typing import TypeVar

from sora2.events import Event

E = TypeVar("E", bound=Event)


class RecordingEvents:
    """Collects every published event, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[E]) -> list[E]:
        """The recorded events of one type, in order."""
        return [event for event in self.events if isinstance(event, kind)]
