"""The `sora2` client commands against a live platform, run as a terminal user would."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from sora2.cli import app
from tests.support.media import probe
from tests.support.server import LiveServer

pytestmark = pytest.mark.shared_server


class Cli:
    """`sora2 ...` in-process, with its own config folder and no SORA2_URL/SORA2_TOKEN."""

    def __init__(self, server: LiveServer, config: Path) -> None:
        self.server = server
        self.config = config
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input)

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.output, result.exception)
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)

    def login(self) -> None:
        self.ok("login", "--url", self.server.url, "-u", "admin", "-p", "admin")


@pytest.fixture
def cli(server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    for variable in ("SORA2_URL", "SORA2_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return Cli(server, tmp_path / "config")


def test_login_stores_url_and_token_privately_and_logout_forgets_them(cli: Cli) -> None:
    result = cli.ok("login", "--url", cli.server.url, "--username", "admin", "--password", "admin")
    assert f"Logged in to {cli.server.url} as admin" in result.stdout

    path = cli.config / "sora2" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["url"] == cli.server.url and stored["token"] and stored["username"] == "admin"
    assert cli.json("models")["models"]

    assert "Logged out" in cli.ok("logout").stdout
    assert not path.exists()
    assert "Not logged in" in cli.ok("logout").stdout
    after = cli("list")
    assert after.exit_code == 1
    assert after.stderr.strip() == "error: not logged in: run `sora2 login` (or set SORA2_TOKEN)"


def test_login_prompts_for_what_is_missing(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORA2_URL", cli.server.url)
    result = cli.ok("login", input="admin\nadmin\n")
    assert "Username:" in result.output and "Password:" in result.output
    assert "admin\nadmin" not in result.output  # the password is not echoed
    assert cli.json("list")["videos"] == []


def test_a_bad_login_is_one_readable_line(cli: Cli) -> None:
    result = cli("login", "--url", cli.server.url, "-u", "admin", "-p", "wrong")
    assert result.exit_code == 1
    assert result.stderr == "error: invalid username or password\n"
    assert not (cli.config / "sora2" / "credentials.json").exists()
    unreachable = cli("login", "--url", "http://127.0.0.1:9", "-u", "admin", "-p", "admin")
    assert unreachable.exit_code == 1 and unreachable.stderr.startswith("error: cannot reach")
    bad_url = cli("login", "--url", "localhost:3000", "-u", "admin", "-p", "admin")
    assert bad_url.exit_code == 1 and "http(s) URL" in bad_url.stderr


def test_create_wait_and_save(cli: Cli, tmp_path: Path) -> None:
    cli.login()
    output = tmp_path / "lake.mp4"
    result = cli.ok(
        "create", "A serene lake", "--model", "sora-2-pro", "--seconds", "4", "--wait",
        "--output", str(output),
    )  # fmt: skip
    assert "Created video" in result.stdout and "completed" in result.stdout
    assert f"Saved to {output}" in result.stdout
    info = probe(output)
    assert (info.width, info.height) == (1280, 720) and abs(info.duration - 4) <= 1 / 24
    assert not list(tmp_path.glob(".*.part"))


def test_create_with_an_image_then_status_list_download(cli: Cli, png_file: Path) -> None:
    cli.login()
    created = cli.json("create", "A door", "--image", str(png_file), "--seconds", "4")
    video_id = created["id"]
    assert created["status"] in {"queued", "in_progress"}

    done = cli.json("create", "Another door", "--seconds", "4", "--wait")
    assert done["status"] == "completed" and done["progress"] == 100

    status = cli.ok("status", done["id"])
    assert "completed" in status.stdout and "Another door" in status.stdout
    assert cli.json("status", done["id"])["id"] == done["id"]

    table = cli.ok("list").stdout
    assert video_id in table and done["id"] in table
    page = cli.json("list", "--limit", "1", "--offset", "1")
    assert [video["id"] for video in page["videos"]] == [video_id]
    assert (page["limit"], page["offset"]) == (1, 1)
    finished = cli.json("list", "--status", "completed", "--search", "another")["videos"]
    assert [video["id"] for video in finished] == [done["id"]]

    downloaded = cli.ok("download", done["id"])
    assert Path(f"{done['id']}.mp4").stat().st_size > 0
    assert f"Saved to {done['id']}.mp4" in downloaded.stdout
    cli.ok("download", done["id"], "--variant", "thumbnail", "--output", "thumbs")
    assert not Path("thumbs").is_dir() and Path("thumbs").read_bytes()[8:12] == b"WEBP"
    Path("sheets").mkdir()
    cli.ok("download", done["id"], "--variant", "spritesheet", "-o", "sheets")
    assert Path("sheets", f"{done['id']}.jpg").read_bytes()[:3] == b"\xff\xd8\xff"


def test_remix_and_delete(cli: Cli) -> None:
    cli.login()
    source = cli.json("create", "A calm sea", "--seconds", "4", "--wait")
    remix = cli.json("remix", source["id"], "A rough sea", "--wait")
    assert remix["remixed_from"] == source["id"] and remix["status"] == "completed"
    plain = cli.ok("remix", source["id"], "A frozen sea")
    assert plain.stdout.startswith("Created video ")

    refused = cli("delete", remix["id"], input="n\n")
    assert refused.exit_code == 1 and "Delete video" in refused.output
    assert cli.json("status", remix["id"])["id"] == remix["id"]

    assert f"Deleted video {remix['id']}" in cli.ok("delete", remix["id"], input="y\n").stdout
    cli.ok("delete", source["id"], "--yes")
    gone = cli("status", source["id"])
    assert gone.exit_code == 1 and gone.stderr == "error: video not found\n"


def test_a_failed_video_exits_1_with_its_reason(cli: Cli) -> None:
    cli.login()
    result = cli("create", "[fail] a forbidden scene", "--seconds", "4", "--wait")
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: video ") and "failed: Blocked by moderation" in last
    assert "Traceback" not in result.output


def test_models(cli: Cli) -> None:
    cli.login()
    table = cli.ok("models").stdout
    assert "sora-2-pro" in table and "1792x1024" in table
    assert {model["id"] for model in cli.json("models")["models"]} == {"sora-2", "sora-2-pro"}


def test_errors_and_usage(cli: Cli) -> None:
    cli.login()
    missing = cli("download", "no-such-video")
    assert (missing.exit_code, missing.stderr) == (1, "error: video not found\n")
    unfinished = cli.json("create", "Not yet", "--seconds", "12")
    early = cli("download", unfinished["id"])
    assert early.exit_code == 1 and early.stderr.startswith("error: ")  # a 409: not done yet
    assert not Path(f"{unfinished['id']}.mp4").exists()
    bad = cli("create", "A cat", "--model", "sora-9")
    assert bad.exit_code == 1 and "unknown model 'sora-9'" in bad.stderr

    assert cli("create").exit_code == 2  # no prompt
    assert cli("download", "x", "--variant", "poster").exit_code == 2
    assert cli("list", "--limit", "0").exit_code == 2
    assert cli("create", "A cat", "--image", "/no/such/file.png").exit_code == 2


def test_an_expired_or_revoked_token(cli: Cli) -> None:
    cli.login()
    path = cli.config / "sora2" / "credentials.json"
    stored = json.loads(path.read_text())
    path.write_text(json.dumps(stored | {"token": "not-a-token"}))
    result = cli("list")
    assert result.exit_code == 1 and "sora2 login" in result.stderr
    path.write_text("{broken")
    damaged = cli("list")
    assert damaged.exit_code == 1 and "log in again" in damaged.stderr


def test_environment_overrides_the_stored_login(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORA2_URL", cli.server.url)
    monkeypatch.setenv("SORA2_TOKEN", cli.server.login("admin", "admin"))
    assert cli.json("list")["videos"] == []  # no `sora2 login` at all
    assert "still applies" in cli.ok("logout").stderr


def test_the_installed_command(server: LiveServer, tmp_path: Path) -> None:
    """`python -m sora2`, as a shell script calls it: JSON on stdout, errors without traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SORA2_")}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "config"), "NO_COLOR": "1"}

    def sora2(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sora2", *args],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    assert sora2("login", "--url", server.url, "-u", "admin", "-p", "admin").returncode == 0
    created = sora2("create", "A fox", "--seconds", "4", "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["prompt"] == "A fox"
    missing = sora2("status", "nope")
    assert (missing.returncode, missing.stdout, missing.stderr) == (
        1,
        "",
        "error: video not found\n",
    )
