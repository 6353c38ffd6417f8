"""`python -m bench`: run the benchmarks, print the table, write it into docs/performance.md.

Exits 1 only when a benchmark crashed; a missed target is a row marked MISS, not an error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import report
from bench.core import Row, make_context

# Module per group of benchmarks, in the order they run.
SUITES = {
    "http": "bench.b_http",  # B1, B3, B4
    "list": "bench.b_list",  # B2
    "realtime": "bench.b_realtime",  # B5, B6, B7
    "tracker": "bench.b_tracker",  # B8, B9
    "render": "bench.b_render",  # B10
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", help=f"comma-separated suites among: {', '.join(SUITES)}")
    parser.add_argument("--rounds", type=int, default=5, help="A/B rounds (>= 5 for the record)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds of load per side")
    parser.add_argument("--out", type=Path, default=Path("docs/performance.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(SUITES)
    unknown = set(chosen) - set(SUITES)
    if unknown:
        parser.error(f"unknown suites: {', '.join(sorted(unknown))}")

    started = time.monotonic()
    rows: list[Row] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="sora2-bench-") as tmp:
        ctx = make_context(Path(tmp), rounds=args.rounds, seconds=args.seconds)
        for name in chosen:
            print(f"== {name}", flush=True)
            suite_started = time.monotonic()
            workdir = ctx.workdir / name
            workdir.mkdir()
            try:
                module = importlib.import_module(SUITES[name])
                suite_rows: list[Row] = module.run(
                    ctx.__class__(workdir, ctx.rounds, ctx.seconds, ctx.server_cpus, ctx.load_cpus)
                )
            except Exception as exc:
                traceback.print_exc()
                failures.append(f"{name}: {type(exc).__name__}: {exc}".splitlines()[0])
                continue
            rows += suite_rows
            print(report.table(suite_rows), flush=True)
            print(f"   ({time.monotonic() - suite_started:.0f} s)", flush=True)
        elapsed = time.monotonic() - started
        print()
        print(report.header(ctx, elapsed))
        print(report.table(rows))
        if not args.no_write:
            report.write(args.out, rows, ctx, elapsed, failures)
    for failure in failures:
        print(f"CRASHED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
