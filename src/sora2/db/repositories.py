"""The SQL repositories, one module each; imported from here by the composition root."""

from sora2.db.users import SqlUserRepository
from sora2.db.videos import SqlVideoRepository

__all__ = ["SqlUserRepository", "SqlVideoRepository"]
