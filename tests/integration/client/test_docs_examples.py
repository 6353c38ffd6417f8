"""Every Python example of docs/sdk.md runs, as printed, against a live platform."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration.client.conftest import png_bytes
from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "sdk.md").read_text(), re.DOTALL)


def test_the_sdk_doc_has_examples() -> None:
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("number", range(len(EXAMPLES)))
def test_sdk_doc_example_runs(
    number: int, server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "first-frame.png").write_bytes(png_bytes())
    source = EXAMPLES[number].replace("http://localhost:3000", server.url)
    namespace: dict[str, object] = {"__name__": f"sdk_example_{number}"}
    exec(compile(source, f"docs/sdk.md example {number}", "exec"), namespace)  # noqa: S102
