"""Mapping between rows and the domain dataclasses (and `VideoChanges`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.engine import Row

from sora2.domain import Asset, User, Video, VideoStatus
from sora2.ports import VideoChanges

# Columns written straight from VideoChanges fields of the same name (when not None).
_PLAIN_CHANGES = tuple(
    f.name
    for f in dataclasses.fields(VideoChanges)
    if f.name not in {"status", "assets", "release_lease", "clear_submit"}
)


def user_from_row(row: Row[Any]) -> User:
    m = row._mapping
    return User(
        id=m["id"],
        username=m["username"],
        password_hash=m["password_hash"],
        is_admin=bool(m["is_admin"]),
        created_at=m["created_at"],
        token_version=m["token_version"],
    )


def user_values(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "password_hash": user.password_hash,
        "is_admin": user.is_admin,
        "created_at": user.created_at,
        "token_version": user.token_version,
    }


def video_from_row(row: Row[Any]) -> Video:
    m = row._mapping
    return Video(
        id=m["id"],
        user_id=m["user_id"],
        prompt=m["prompt"],
        model=m["model"],
        size=m["size"],
        seconds=m["seconds"],
        status=VideoStatus(m["status"]),
        progress=m["progress"],
        created_at=m["created_at"],
        provider=m["provider"],
        upstream_id=m["upstream_id"],
        completed_at=m["completed_at"],
        expires_at=m["expires_at"],
        error_message=m["error_message"],
        remixed_from=m["remixed_from"],
        input_reference_key=m["input_reference_key"],
        assets=assets_from_json(m["assets"]),
        next_due_at=m["next_due_at"],
        lease_owner=m["lease_owner"],
        lease_until=m["lease_until"],
        attempts=m["attempts"],
        submit_started_at=m["submit_started_at"],
        upstream_model=m["upstream_model"],
        remix_strategy=m["remix_strategy"],
        continued_from=m["continued_from"],
        estimated_cost=m["estimated_cost"],
        cost=m["cost"],
    )


def video_values(video: Video) -> dict[str, Any]:
    return {
        "id": video.id,
        "user_id": video.user_id,
        "provider": video.provider,
        "upstream_id": video.upstream_id,
        "prompt": video.prompt,
        "model": video.model,
        "size": video.size,
        "seconds": video.seconds,
        "status": video.status.value,
        "progress": video.progress,
        "created_at": video.created_at,
        "completed_at": video.completed_at,
        "expires_at": video.expires_at,
        "error_message": video.error_message,
        "remixed_from": video.remixed_from,
        "input_reference_key": video.input_reference_key,
        "assets": assets_to_json(video.assets),
        "next_due_at": video.next_due_at,
        "lease_owner": video.lease_owner,
        "lease_until": video.lease_until,
        "attempts": video.attempts,
        "submit_started_at": video.submit_started_at,
        "upstream_model": video.upstream_model,
        "remix_strategy": video.remix_strategy,
        "continued_from": video.continued_from,
        "estimated_cost": video.estimated_cost,
        "cost": video.cost,
    }


def assets_to_json(assets: dict[Asset, str]) -> dict[str, str]:
    return {Asset(variant).value: key for variant, key in assets.items()}


def assets_from_json(data: dict[str, str] | None) -> dict[Asset, str]:
    return {Asset(variant): key for variant, key in (data or {}).items()}


def changes_values(changes: VideoChanges) -> dict[str, Any]:
    """The columns a `VideoChanges` writes, with their values; empty when it writes nothing."""
    values: dict[str, Any] = {
        name: value for name in _PLAIN_CHANGES if (value := getattr(changes, name)) is not None
    }
    if changes.status is not None:
        values["status"] = changes.status.value
    if changes.assets is not None:
        values["assets"] = assets_to_json(changes.assets)
    if changes.clear_submit:
        values["submit_started_at"] = None
    if changes.release_lease:
        values["lease_owner"] = None
        values["lease_until"] = None
    return values
