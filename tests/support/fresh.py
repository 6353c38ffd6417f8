"""Running a script in a fresh interpreter (no module another test imported, nothing frozen)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.processes import popen

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(script: str, *args: str, timeout: float = 180) -> dict[str, Any]:
    """Run `script` with `args` from the repository root; return the JSON its last line prints."""
    proc = popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr[-3000:]
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result
