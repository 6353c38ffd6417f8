"""Download one upstream result to storage the tracker's way, measuring the event loop's lag.

`python -m bench.fetch_one BASE_URL UPSTREAM_ID OUT_DIR`: the provider adapter's streamed
download into `LocalBlobStore.write` (what `services/jobs.py` runs for each finished video),
while a ticker task records how late each 1 ms sleep wakes up; the same ticker runs alone for
a second before, so a busy machine's own scheduling delays can be told apart. Prints one JSON
line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from sora2.domain import Asset
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.storage.local import LocalBlobStore

TICK = 0.001
IDLE_SECONDS = 1.0


def p99_ms(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e3


async def _ticker(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(TICK)
        lags.append(time.perf_counter() - before - TICK)


async def main() -> None:
    base_url, upstream_id, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    provider = OpenAIVideosProvider(base_url=base_url, api_key="", timeout=120)
    store = LocalBlobStore(out)
    # The tracker downloads with a client that has just retrieved the job (and seen it
    # completed): without this, the window also timed the SDK's first-request imports and
    # connection setup, which stall a fresh process's loop once and never recur in the server.
    await provider.retrieve(upstream_id)
    idle: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(_ticker(idle, stop))
    await asyncio.sleep(IDLE_SECONDS)
    stop.set()
    await ticker
    lags: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(_ticker(lags, stop))
    started = time.perf_counter()
    async with provider.download(upstream_id, Asset.VIDEO) as chunks:
        info = await store.write("bench/video.mp4", chunks)
    seconds = time.perf_counter() - started
    stop.set()
    await ticker
    await provider.aclose()
    result = {
        "bytes": info.size,
        "seconds": seconds,
        "lag_p99_ms": p99_ms(lags),
        "idle_lag_p99_ms": p99_ms(idle),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    # The loop `sora2 serve` runs the tracker on: uvicorn's default (`auto`) picks uvloop when
    # it is installed (uvicorn[standard]), so the download is timed on that loop too.
    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
