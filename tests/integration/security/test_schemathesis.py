"""Schemathesis against the live server's own OpenAPI schema (`/api/openapi.json`).

Every operation, every built-in check (`--checks all`: no 5xx, status codes, content types,
headers and bodies as documented, invalid input refused, valid input accepted, Allow headers,
use after free, ...), all four phases (examples, coverage, fuzzing, stateful), a bounded number
of generated examples per operation, authenticated as an admin so every route is reachable.

It runs `schemathesis run`, the tool's own runner, in a subprocess against a server in this
process: schemathesis' pytest loader for fixtures does not work with pytest 9.2 (it writes
`Node._nodeid`, which pytest no longer has).

Where the run must not act on the admin itself (log out, change its own password, reset or
remove it through an id it learnt from /api/auth/me), those operations act on throwaway users:
their token in the header, their id in the path.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.attack import completed, create_video
from tests.support.server import LiveServer

MAX_EXAMPLES = 10  # per operation and phase; about a minute on two busy cores
SEED = 20261128  # a fixed seed: the same requests every run (change it to explore)

# The positive-data check expects "valid per the schema" to mean "accepted". These operations
# also apply rules a JSON Schema cannot state, so a 400 for schema-valid data is correct there:
SEMANTIC_400 = {
    # Which sizes and lengths a model offers (GET /api/models) depends on the model chosen and on
    # the configured catalogue; the prompt must hold more than white space.
    ("POST", "/api/videos"): "model/size/seconds combinations of the configured catalogue",
    ("POST", "/api/videos/{video_id}/continue"): "model/seconds of the configured catalogue",
    # New passwords are also checked against a blocklist of breached passwords and the username.
    ("POST", "/api/users"): "the password blocklist; usernames already taken",
    ("PUT", "/api/users/{user_id}/password"): "the password blocklist",
    ("POST", "/api/auth/password"): "the password blocklist; the current password must match",
}


def _user(admin: httpx.Client) -> tuple[str, str, str]:
    name, password = f"fuzz-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    created = admin.post("/api/users", json={"username": name, "password": password})
    assert created.status_code == 201, created.text
    return created.json()["id"], name, password


def _toml(value: object) -> str:
    return json.dumps(value)  # JSON strings and lists are TOML strings and arrays


def write_config(folder: Path, server: LiveServer, admin: httpx.Client) -> Path:
    """schemathesis.toml for this run: the throwaway users, real ids and links so that the
    routes of one video answer with real content (not only 404), and the exceptions."""
    lines = [
        f"seed = {SEED}",
        # One worker: Hypothesis describes strategies with `ast.parse`, which CPython 3.11 may
        # break on ("AST constructor recursion depth mismatch") when two threads parse at once.
        "workers = 1",
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
        'database = "none"',
        "[checks]",
        "# (every check is on: `--checks all`)",
    ]
    for path, token_of in (
        ("/api/auth/logout", _user(admin)),
        ("/api/auth/password", _user(admin)),
    ):
        token = server.login(token_of[1], token_of[2])
        lines += [
            "[[operations]]",
            f"include-name = {_toml('POST ' + path)}",
            f"headers = {{ Authorization = {_toml('Bearer ' + token)} }}",
        ]
    for method, path in (
        ("PUT", "/api/users/{user_id}/password"),
        ("DELETE", "/api/users/{user_id}"),
    ):
        lines += [
            "[[operations]]",
            f"include-name = {_toml(f'{method} {path}')}",
            f"parameters = {{ user_id = {_toml(_user(admin)[0])} }}",
        ]
    # A completed video for the routes of one video (DELETE gets its own), a signed link to it.
    keep, doomed = (completed(admin, create_video(admin, f"fuzz {n}"))["id"] for n in range(2))
    link = admin.get(f"/api/videos/{keep}/media-url", params={"variant": "thumbnail"})
    for name, value in (
        ("GET /api/videos/{video_id}", keep),
        ("GET /api/videos/{video_id}/content", keep),
        ("GET /api/videos/{video_id}/media-url", keep),
        ("POST /api/videos/{video_id}/remix", keep),
        ("POST /api/videos/{video_id}/continue", keep),
        ("DELETE /api/videos/{video_id}", doomed),
    ):
        lines += [
            "[[operations]]",
            f"include-name = {_toml(name)}",
            f"parameters = {{ video_id = {_toml(value)} }}",
        ]
    lines += [
        "[[operations]]",
        'include-name = "GET /api/media/{token}"',
        f"parameters = {{ token = {_toml(link.json()['url'].rsplit('/', 1)[1])} }}",
    ]
    for (method, path), why in SEMANTIC_400.items():
        lines += [
            f"# {why}",
            "[[operations]]",
            f"include-name = {_toml(f'{method} {path}')}",
            "[operations.checks.positive_data_acceptance]",
            'expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]',
        ]
    config = folder / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


# SQLite and the simulator's fast timings (tests/support/server.py). Rendering is what costs: two
# videos in progress at most and a few dollars a day, past which creates are answered 429
# (documented) rather than rendered.
@pytest.mark.backends("sqlite")
@pytest.mark.server_settings(user_max_active_videos=2, user_daily_spend_limit=3.0)
@pytest.mark.timeout(900)
def test_the_live_api_passes_every_schemathesis_check(
    server: LiveServer, admin_token: str, tmp_path: Path
) -> None:
    token = admin_token
    with server.client(token) as admin:
        config = write_config(tmp_path, server, admin)
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        f"{server.url}/api/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--header",
        f"Authorization: Bearer {token}",
        "--no-color",
        "--output-truncate",
        "false",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path / "report"),
    ]
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis found failures:\n{output[-20000:]}"
    assert "Tested:" in output and "❌" not in output, output[-5000:]
    # The admin's session survived the run: the checks above saw authenticated answers.
    with server.client(token) as admin:
        assert admin.get("/api/auth/me").status_code == 200
