"""The one place where driver errors become platform errors.

A database that is busy, locked or unreachable is a `ServiceUnavailable` (HTTP 503, retry soon);
everything else (bad SQL, constraint violations) propagates unchanged, never swallowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from sora2.errors import InvalidInput, ServiceUnavailable

RETRY_AFTER_SECONDS = 1.0

# SQLite primary result codes (extended codes carry them in the low byte).
_SQLITE_TRANSIENT = frozenset(
    {
        5,  # SQLITE_BUSY: another connection holds the write lock past busy_timeout
        6,  # SQLITE_LOCKED
        10,  # SQLITE_IOERR
        13,  # SQLITE_FULL
        14,  # SQLITE_CANTOPEN
    }
)
# PostgreSQL SQLSTATE: connection exceptions, insufficient resources, operator intervention
# (shutdown, starting up), and the conflicts a retry resolves.
_PG_TRANSIENT_CLASSES = ("08", "53", "57P")
# 55P03: lock_timeout ran out; 57014: statement_timeout did (a slow or locked database).
_PG_TRANSIENT_CODES = frozenset({"40001", "40P01", "55P03", "57014"})
# Text PostgreSQL cannot store (a NUL character, which SQLite takes): the client's input.
_PG_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})
UNSTORABLE_TEXT = "text may not contain NUL (\\u0000) characters"


def unavailable_reason(exc: BaseException) -> str | None:
    """Why `exc` means "the database cannot serve right now", or None when it means a bug."""
    if isinstance(exc, sa_exc.TimeoutError):
        return "no free connection in the pool"
    if isinstance(exc, OSError):  # refused, unresolvable host, connect timeout
        return f"cannot connect ({exc})"
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return f"the connection was lost ({exc.orig})"
        code = getattr(exc.orig, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _SQLITE_TRANSIENT:
            return str(exc.orig)
        state = getattr(exc.orig, "sqlstate", None)
        if isinstance(state, str) and (
            state.startswith(_PG_TRANSIENT_CLASSES) or state in _PG_TRANSIENT_CODES
        ):
            return str(exc.orig)
    return None


def _is_unstorable_text(exc: BaseException) -> bool:
    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, sa_exc.DBAPIError) and state in _PG_UNSTORABLE_TEXT


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise a busy or unreachable database as `ServiceUnavailable`, text it cannot store
    as `InvalidInput`; let the rest through."""
    try:
        yield
    except Exception as exc:
        if _is_unstorable_text(exc):
            raise InvalidInput(UNSTORABLE_TEXT) from exc
        reason = unavailable_reason(exc)
        if reason is None:
            raise
        raise ServiceUnavailable(
            f"the database is unavailable: {reason}", retry_after=RETRY_AFTER_SECONDS
        ) from exc
