"""The providers the platform is configured with, by name, and the limits of each.

Every video row records the name of its provider; the tracker looks it up here, so several
providers work side by side. Old rows may carry a former name (an alias), e.g. `simulator` for
the built-in stand-in of the `openai` provider.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sora2.errors import ProviderNotConfigured
from sora2.ports import VideoProvider


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    name: str
    provider: VideoProvider
    # Most jobs in flight upstream at once; None: no limit.
    max_concurrent: int | None = None


class ProviderRegistry:
    def __init__(self) -> None:
        self._entries: dict[str, ProviderEntry] = {}
        self._aliases: dict[str, str] = {}

    def add(
        self,
        name: str,
        provider: VideoProvider,
        *,
        max_concurrent: int | None = None,
        aliases: Iterable[str] = (),
    ) -> None:
        if name in self._entries or name in self._aliases:
            raise ValueError(f"provider {name!r} is registered twice")
        self._entries[name] = ProviderEntry(name, provider, max_concurrent or None)
        for alias in aliases:
            self._aliases[alias] = name

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._aliases

    def entry(self, name: str) -> ProviderEntry:
        """The provider a row names, or `ProviderNotConfigured` (the job cannot go anywhere)."""
        entry = self._entries.get(self._aliases.get(name, name))
        if entry is None:
            raise ProviderNotConfigured(f"the provider {name!r} is not configured on this server")
        return entry

    def get(self, name: str) -> VideoProvider:
        return self.entry(name).provider

    def names_for(self, name: str) -> tuple[str, ...]:
        """Every name rows may carry for the provider `name` (itself and its aliases)."""
        canonical = self._aliases.get(name, name)
        return (canonical, *sorted(a for a, n in self._aliases.items() if n == canonical))

    async def aclose(self) -> None:
        for entry in self._entries.values():
            await entry.provider.aclose()
