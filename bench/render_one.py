"""Render one simulator clip and print the CPU seconds it took (`python -m bench.render_one`)."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from sora2.providers.simulator.renderer import RenderSpec, render, seed_for


def main() -> None:
    out, width, height, seconds = Path(sys.argv[1]), *map(int, sys.argv[2:5])
    prompt = "bench: a red kite over green hills, golden hour"
    spec = RenderSpec(prompt=prompt, width=width, height=height, seconds=seconds,
                      seed=seed_for(prompt, str(time.time())), label="sora-2")  # fmt: skip
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_SELF)
    render(spec, out, should_stop=lambda: False)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    wall = time.monotonic() - started
    print(
        json.dumps(
            {"cpu_seconds": cpu, "wall_seconds": wall, "bytes": (out / "video.mp4").stat().st_size}
        )
    )


if __name__ == "__main__":
    main()
