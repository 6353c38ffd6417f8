"""Persistence: SQLAlchemy Core tables, async engines, Alembic migrations and the repositories.

Nothing is created at import time: call `create_engine(url)` and `await migrate(url)` where a
process starts (the composition root does).
"""

from sora2.db.engine import check_connection, create_engine
from sora2.db.migrate import migrate
from sora2.db.queue import SqlJobQueue
from sora2.db.spend import SqlSpendLedger
from sora2.db.users import SqlUserRepository
from sora2.db.videos import SqlVideoStore

__all__ = [
    "SqlJobQueue",
    "SqlSpendLedger",
    "SqlUserRepository",
    "SqlVideoStore",
    "check_connection",
    "create_engine",
    "migrate",
]
