"""The results table, printed and written between markers in docs/performance.md."""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

from bench.core import Context, Row

BEGIN = "<!-- bench:results -->"
END = "<!-- /bench:results -->"


def _figure(value: float) -> str:
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _ratio(row: Row) -> str:
    if math.isnan(row.ratio):
        return "-"
    low, high = row.spread
    if row.target.endswith("x"):
        return f"{row.ratio:.2f}x ({low:.2f}-{high:.2f})"
    return f"{_figure(low)}-{_figure(high)}"


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| # | benchmark | unit | ours | peer | peer is | ratio (spread) | target | result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.bench} | {row.what} | {row.unit} | {_figure(row.ours)} | {_figure(row.peer)}"
            f" | {row.peer_name} | {_ratio(row)} | {row.target} | {row.verdict} |"
        )
    return "\n".join(lines)


def header(ctx: Context, elapsed: float) -> str:
    pinning = (
        f"server on CPU {ctx.server_cpus}, load generator on CPU {ctx.load_cpus} (`taskset`)"
        if ctx.pinned
        else "not pinned (fewer than two usable cores or no `taskset`)"
    )
    return (
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores "
        f"({platform.machine()}, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} at the end); {pinning}; "
        f"{ctx.rounds} alternating rounds of {ctx.seconds:g} s per side; "
        f"took {elapsed / 60:.1f} min."
    )


def write(
    path: Path, rows: Sequence[Row], ctx: Context, elapsed: float, failures: Sequence[str]
) -> None:
    block = [header(ctx, elapsed), "", table(rows)]
    if failures:
        block += ["", "Benchmarks that crashed in this run:", ""]
        block += [f"- {failure}" for failure in failures]
    text = path.read_text() if path.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    path.write_text(f"{before}{BEGIN}\n" + "\n".join(block) + f"\n{END}{after}")
