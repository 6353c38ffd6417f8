"""B10: the simulator's render of an 8 s 1280x720 clip, CPU seconds per second of video."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.core import Context, Row, absolute, pinned

SECONDS = 8


def run(ctx: Context) -> list[Row]:
    """One core (`taskset`); the peer is real time: 1.0 CPU second per video second."""
    per_second: list[float] = []
    for n in range(ctx.rounds):
        out = ctx.workdir / f"render-{n}"
        done = subprocess.run(
            pinned([sys.executable, "-m", "bench.render_one", str(out), "1280", "720",
                    str(SECONDS)], ctx.server_cpus),
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        result = json.loads(done.stdout.strip().splitlines()[-1])
        per_second.append(result["cpu_seconds"] / SECONDS)
    row = absolute("B10", f"simulator render, {SECONDS} s 1280x720 clip, one core",
                   "CPU s per video s", per_second, op="<=", limit=0.5, peer=1.0,
                   peer_name="real time (1.0)")  # fmt: skip
    row.target = "<= 0.5x"
    return [row]
