"""The OpenAPI document (`python -m sora2.api.openapi`) and the web UI's types made from it."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sora2.api.openapi import openapi_document
from sora2.wire import VideoPublic

ROOT = Path(__file__).resolve().parents[3]
FRONTEND = ROOT / "frontend"
GENERATOR = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
API_TYPES = FRONTEND / "src" / "api.gen.ts"


def test_the_document_is_printed_without_starting_anything(tmp_path: Path) -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "sora2.api.openapi"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    document = json.loads(printed.stdout)
    assert {"/api/videos", "/api/videos/{video_id}", "/api/models"} <= set(document["paths"])
    # Every field of a video is always sent (null when unset), and the schema says so.
    video = document["components"]["schemas"]["VideoPublic"]
    assert video["required"] == list(video["properties"]) == list(VideoPublic.model_fields)
    # No data folder, database or secret was made: nothing ran but the app factory.
    assert list(tmp_path.iterdir()) == []


def test_the_web_ui_types_match_the_current_schema() -> None:
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR.relative_to(ROOT)} is missing: run `make install`")
    generated = subprocess.run(
        [str(GENERATOR)],
        input=json.dumps(openapi_document()),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    committed = API_TYPES.read_text()
    if generated != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), generated.splitlines(), "api.gen.ts", "schema", lineterm=""
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(
            "frontend/src/api.gen.ts is stale (the API's schema changed): run `make types` "
            f"and commit it.\n{shown}"
        )
