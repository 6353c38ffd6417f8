"""`wrk` as the HTTP load generator, pinned to the other core; its summary parsed."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.core import pinned

_UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}
_TIME = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}

RANGE_SCRIPT = """
math.randomseed({seed})
local size = {size}
local span = {span}
request = function()
  local first = math.random(0, size - span)
  local headers = {{}}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Range"] = "bytes=" .. first .. "-" .. (first + span - 1)
  return wrk.format("GET", nil, headers)
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    bytes_per_second: float
    p99_seconds: float
    errors: int


def _number(text: str, units: dict[str, float]) -> float:
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", text.strip())
    if match is None:
        raise ValueError(f"cannot read {text!r}")
    return float(match.group(1)) * units[match.group(2)]


def parse(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    transfer = re.search(r"Transfer/sec:\s+(\S+)", output)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if rps is None or transfer is None or p99 is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    errors = 0
    for match in re.finditer(
        r"(?:Non-2xx or 3xx responses|Socket errors:.*?timeout)\s*:?\s*(\d+)", output
    ):
        errors += int(match.group(1))
    p99_match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", p99.group(1))
    if p99_match is None:
        raise RuntimeError(f"cannot read the p99 {p99.group(1)!r}")
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        bytes_per_second=_number(transfer.group(1), _UNITS),
        p99_seconds=float(p99_match.group(1)) * _TIME[p99_match.group(2)],
        errors=errors,
    )


def run(
    url: str,
    *,
    seconds: float,
    connections: int,
    cpus: Sequence[int],
    headers: dict[str, str] | None = None,
    script: Path | None = None,
) -> WrkResult:
    """One wrk run (one thread, `connections` keep-alive connections) against `url`."""
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
        "--timeout", "10s",
    ]  # fmt: skip
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run(
        pinned([*command, url], cpus),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}{done.stdout}")
    result = parse(done.stdout)
    if result.errors:
        raise RuntimeError(f"wrk saw {result.errors} failed requests:\n{done.stdout}")
    return result


def range_script(path: Path, *, size: int, span: int, seed: int = 7) -> Path:
    path.write_text(RANGE_SCRIPT.format(seed=seed, size=size, span=span))
    return path
