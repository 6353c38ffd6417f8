"""What every benchmark shares: results, A/B rounds, medians, CPU pinning."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Better = Literal["higher", "lower"]


@dataclass
class Row:
    """One line of the table: our figure, the peer's, their ratio against a target."""

    bench: str
    what: str
    unit: str
    ours: float
    peer: float
    ratio: float
    spread: tuple[float, float]
    target: str
    passed: bool
    rounds: int
    peer_name: str

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else "MISS"


@dataclass
class Context:
    """Where a benchmark may write, which cores it may use, and how long to measure."""

    workdir: Path
    rounds: int
    seconds: float
    server_cpus: list[int] = field(default_factory=list)
    load_cpus: list[int] = field(default_factory=list)

    @property
    def pinned(self) -> bool:
        return bool(self.server_cpus) and bool(self.load_cpus)


def make_context(workdir: Path, *, rounds: int, seconds: float) -> Context:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) >= 2 and shutil.which("taskset"):
        server, load = [cpus[0]], [cpus[1]]
    else:
        server, load = [], []
    return Context(workdir, rounds, seconds, server, load)


def pinned(command: Sequence[str], cpus: Sequence[int]) -> list[str]:
    """`command` under `taskset -c CPUS` (unchanged when there is nothing to pin to)."""
    if not cpus:
        return list(command)
    return ["taskset", "-c", ",".join(map(str, cpus)), *command]


def alternate(
    rounds: int, ours: Callable[[], float], peer: Callable[[], float]
) -> tuple[list[float], list[float]]:
    """A B A B ...: each round measures ours then the peer, so drift hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a.append(ours())
        b.append(peer())
    return a, b


def ratios(ours: Sequence[float], peer: Sequence[float]) -> list[float]:
    return [x / y if y else float("inf") for x, y in zip(ours, peer, strict=True)]


def summary(values: Sequence[float]) -> tuple[float, tuple[float, float]]:
    """The median and the (min, max) spread."""
    return statistics.median(values), (min(values), max(values))


def compare(
    bench: str,
    what: str,
    unit: str,
    ours: Sequence[float],
    peer: Sequence[float],
    *,
    op: Literal[">=", "<="],
    limit: float,
    peer_name: str,
    ratio_values: Sequence[float] | None = None,
) -> Row:
    """A row whose ratio (median of per-round ours/peer) must be `op` `limit`."""
    per_round = list(ratio_values) if ratio_values is not None else ratios(ours, peer)
    ratio, spread = summary(per_round)
    passed = ratio >= limit if op == ">=" else ratio <= limit
    return Row(
        bench=bench,
        what=what,
        unit=unit,
        ours=statistics.median(ours),
        peer=statistics.median(peer),
        ratio=ratio,
        spread=spread,
        target=f"{op} {limit:g}x",
        passed=passed,
        rounds=len(per_round),
        peer_name=peer_name,
    )


def absolute(
    bench: str,
    what: str,
    unit: str,
    values: Sequence[float],
    *,
    op: Literal[">=", "<=", "<", "=="],
    limit: float,
    peer: float | None = None,
    peer_name: str = "-",
) -> Row:
    """A row held to an absolute limit (a loop lag in ms, a count of lost events)."""
    value, spread = summary(values)
    passed = {
        ">=": value >= limit,
        "<=": value <= limit,
        "<": value < limit,
        "==": value == limit,
    }[op]
    return Row(
        bench=bench,
        what=what,
        unit=unit,
        ours=value,
        peer=float("nan") if peer is None else peer,
        ratio=float("nan") if not peer else value / peer,
        spread=spread,
        target=f"{op} {limit:g} {unit}",
        passed=passed,
        rounds=len(values),
        peer_name=peer_name,
    )


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def wait_until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)
