"""Blob stores: where media bytes live (local disk; S3-compatible storage later)."""

from sora2.storage.local import LocalBlobStore

__all__ = ["LocalBlobStore"]
