"""The guide's own example client, unchanged, against a live platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.guide_client import Sora2Client
from tests.support.media import probe
from tests.support.server import LiveServer


def test_the_guides_example_makes_a_playable_mp4(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = Sora2Client(server.url, "admin", "admin")
    video = client.create_video(
        prompt="A serene lake at sunset with mountains in the background", model="sora-2-pro"
    )
    assert video["status"] in {"queued", "in_progress"}
    completed = client.wait_for_completion(video["id"], poll_interval=0.2)
    assert completed["status"] == "completed"
    assert "Status: completed, Progress: 100%" in capsys.readouterr().out
    output = tmp_path / "output.mp4"
    client.download_video(video["id"], str(output))
    info = probe(output)
    assert (info.width, info.height) == (1280, 720)
    assert info.fps == 24
    assert abs(info.duration - 8) <= 1 / 24
    assert info.video_codec == "h264" and info.audio_codec == "aac"
