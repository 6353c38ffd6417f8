"""The examples of docs/realtime.md run, unchanged but for the server's address."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "realtime.md").read_text()
JS_MODULES = ROOT / "tests" / "js" / "node_modules"


def example(language: str, marker: str) -> str:
    blocks = [b for b in re.findall(rf"```{language}\n(.*?)```", DOC, re.S) if marker in b]
    assert len(blocks) == 1, f"docs/realtime.md has no single {language} example with {marker!r}"
    return blocks[0]


def check_output(output: str) -> None:
    assert "created " in output
    assert "completed 100" in output
    assert "final state:" in output


def test_the_python_example_runs(server: LiveServer, tmp_path: Path) -> None:
    code = example("python", "asyncio.run(main())").replace("http://localhost:3000", server.url)
    script = tmp_path / "watch.py"
    script.write_text(code)

    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    check_output(done.stdout)


def test_the_javascript_example_runs(server: LiveServer, tmp_path: Path) -> None:
    code = example("js", "// watch.mjs").replace("http://localhost:3000", server.url)
    (tmp_path / "watch.mjs").write_text(code)
    (tmp_path / "node_modules").symlink_to(JS_MODULES, target_is_directory=True)
    node = shutil.which("node")
    assert node, "node is needed for the socket.io-client tests"

    done = subprocess.run(
        [node, "watch.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    check_output(done.stdout)
