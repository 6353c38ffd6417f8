"""Where `sora2 login` keeps the server URL and token: the user's config folder, mode 0600.

`$XDG_CONFIG_HOME/sora2/credentials.json` (or `~/.config/sora2/credentials.json`);
`SORA2_URL` and `SORA2_TOKEN` in the environment win over the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_URL = "http://localhost:3000"
URL_VARIABLE = "SORA2_URL"
TOKEN_VARIABLE = "SORA2_TOKEN"  # noqa: S105 (the name of a variable, not a secret)


class CredentialsError(Exception):
    """No usable credentials; the message says what to do."""


class NotLoggedIn(CredentialsError):
    """No token: neither `sora2 login` was run nor `SORA2_TOKEN` is set."""


class DamagedCredentials(CredentialsError):
    """The credentials file cannot be read as the CLI wrote it."""


@dataclass(frozen=True, slots=True)
class Credentials:
    url: str
    token: str
    username: str | None = None


def config_dir() -> Path:
    """`$XDG_CONFIG_HOME/sora2`, or `~/.config/sora2` (a relative XDG path is ignored)."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "sora2"


def credentials_path() -> Path:
    return config_dir() / "credentials.json"


def load_credentials() -> Credentials | None:
    """The stored credentials, or None if there are none."""
    path = credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DamagedCredentials(
            f"cannot read {path} ({exc}): log in again with `sora2 login`"
        ) from exc
    match data:
        case {"url": str(url), "token": str(token)} if url and token:
            username = data.get("username")
            return Credentials(url, token, username if isinstance(username, str) else None)
        case _:
            raise DamagedCredentials(f"{path} is not as `sora2 login` wrote it: log in again")


def save_credentials(credentials: Credentials) -> Path:
    """Write the file atomically, readable by its owner only (the token is a password)."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(credentials), out, indent=2)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return path


def remove_credentials() -> bool:
    """Forget the stored token; False if there was none."""
    try:
        credentials_path().unlink()
    except FileNotFoundError:
        return False
    return True


def server_url() -> str:
    """The server to talk to: `SORA2_URL`, else the one logged in to, else localhost."""
    if url := os.environ.get(URL_VARIABLE, "").strip():
        return url
    with contextlib.suppress(DamagedCredentials):
        if (stored := load_credentials()) is not None:
            return stored.url
    return DEFAULT_URL


def current_credentials() -> Credentials:
    """The URL and token to use: the environment's, else the stored ones."""
    env_url = os.environ.get(URL_VARIABLE, "").strip()
    env_token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if env_token:
        return Credentials(env_url or server_url(), env_token)
    stored = load_credentials()
    if stored is None:
        raise NotLoggedIn(f"not logged in: run `sora2 login` (or set {TOKEN_VARIABLE})")
    return Credentials(env_url or stored.url, stored.token, stored.username)
