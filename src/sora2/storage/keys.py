"""Where a video's files live in the blob store: every key is made here, from server ids only."""

from __future__ import annotations

from sora2.domain import Asset


def video_prefix(video_id: str) -> str:
    """The folder of every file of one video (deleting it deletes them all)."""
    return f"videos/{video_id}/"


def asset_key(video_id: str, variant: Asset) -> str:
    return f"{video_prefix(video_id)}{variant.value}.{variant.extension}"


def reference_key(video_id: str) -> str:
    """The first-frame image sent with the create."""
    return f"{video_prefix(video_id)}reference.png"
