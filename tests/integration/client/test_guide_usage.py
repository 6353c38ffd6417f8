"""The integration guide's example usage, run with the SDK's `Sora2Client` in place of the
guide's own class: only the base URL differs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.media import probe
from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server

ROOT = Path(__file__).resolve().parents[3]
GUIDE = ROOT.parent / "shared" / "seeds" / "mcp-integration-guide.md"

# The "# Usage" part of the guide's example, verbatim.
GUIDE_USAGE = """\
# Usage
client = Sora2Client("http://localhost:3000", "admin", "admin")

# Create video
video = client.create_video(
    prompt="A serene lake at sunset with mountains in the background",
    model="sora-2-pro"
)
print(f"Created video: {video['id']}")

# Wait for completion
completed_video = client.wait_for_completion(video["id"])
print(f"Video completed!")

# Download
client.download_video(video["id"], "output.mp4")
print("Downloaded to output.mp4")
"""


def test_the_copy_is_the_guides() -> None:
    if not GUIDE.exists():
        pytest.skip(f"the guide is not beside this checkout ({GUIDE})")
    assert GUIDE_USAGE in GUIDE.read_text()


def test_the_guides_usage_runs_with_the_sdk(
    server: LiveServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    script = "from sora2.client import Sora2Client\n\n" + GUIDE_USAGE.replace(
        "http://localhost:3000", server.url
    )
    namespace: dict[str, object] = {"__name__": "guide_usage"}

    exec(compile(script, "guide_usage.py", "exec"), namespace)  # noqa: S102 (our own test text)

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Created video: ") and out[1:] == [
        "Video completed!",
        "Downloaded to output.mp4",
    ]
    info = probe(tmp_path / "output.mp4")
    assert (info.width, info.height) == (1280, 720)
    assert abs(info.duration - 8) <= 1 / 24
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    completed = namespace["completed_video"]
    assert completed["status"] == "completed"  # type: ignore[index]
