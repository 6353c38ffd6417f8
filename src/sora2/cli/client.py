"""Client commands: log in to a platform, then create, follow, list, download, remix and delete
videos over HTTP, through the SDK. Errors are one line on stderr and exit code 1."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich import box
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from sora2.cli._app import CLIENT_PANEL, app, console, err_console
from sora2.cli.credentials import (
    TOKEN_VARIABLE,
    Credentials,
    CredentialsError,
    credentials_path,
    current_credentials,
    remove_credentials,
    save_credentials,
    server_url,
)
from sora2.client import AuthenticationError, Sora2Client, Sora2Error, Video, VideoStatus

P = ParamSpec("P")
T = TypeVar("T")

# How often a waiting command polls when live updates (Socket.IO) are not available.
POLL_SECONDS = 2.0
# Terminals at least this wide get every column of `sora2 list`.
WIDE_TABLE = 110


class Variant(StrEnum):
    VIDEO = "video"
    THUMBNAIL = "thumbnail"
    SPRITESHEET = "spritesheet"


VideoIdArgument = Annotated[str, typer.Argument(help="The video's id", show_default=False)]
WaitOption = Annotated[
    bool, typer.Option("--wait", "-w", help="Follow it with a progress bar until it is done")
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Save the MP4 there once done (a file or a folder; implies --wait)"
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts)")]


# --- plumbing -----------------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(1)


def _say(message: str) -> None:
    console.print(message, soft_wrap=True, highlight=False)


def _readable_errors(func: Callable[P, T]) -> Callable[P, T]:
    """The SDK's errors (and missing credentials) as one line on stderr and exit code 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return func(*args, **kwargs)
        except AuthenticationError as exc:
            _fail(f"{exc.message} (log in again with `sora2 login`)")
        except Sora2Error as exc:
            _fail(exc.message)
        except CredentialsError as exc:
            _fail(str(exc))
        except OSError as exc:  # an output file that cannot be written, an unreadable image
            _fail(str(exc))

    return wrapper


def _client(url: str, token: str | None = None) -> Sora2Client:
    try:
        return Sora2Client(url, token=token)
    except ValueError as exc:
        _fail(str(exc))


@contextmanager
def _connected() -> Iterator[Sora2Client]:
    credentials = current_credentials()
    with _client(credentials.url, credentials.token) as client:
        yield client


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def _when(timestamp: int | None) -> str:
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _label(video: Video) -> str:
    return f"{video.id[:8]} {video.status.value.replace('_', ' ')}"


def _follow(client: Sora2Client, video: Video) -> Video:
    """Wait for the video with a live progress bar (on stderr); raise if it failed."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(_label(video), total=100, completed=video.progress)

        def show(update: Video) -> None:
            progress.update(task, completed=update.progress, description=_label(update))

        return client.wait_for_completion(video.id, poll_interval=POLL_SECONDS, on_update=show)


def _download(client: Sora2Client, video_id: str, variant: Variant, output: Path | None) -> Path:
    """Download with a transfer progress bar (on stderr), shown once the bytes start coming."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    progress = Progress(*columns, console=err_console)
    task: TaskID | None = None

    def advance(received: int, total: int | None) -> None:
        nonlocal task
        if task is None:
            progress.start()
            task = progress.add_task(f"{video_id[:8]} {variant.value}", total=total)
        progress.update(task, completed=received, total=total)

    try:
        return client.download(video_id, output, variant.value, on_progress=advance)
    finally:
        if task is not None:
            progress.stop()


def _started(
    client: Sora2Client, video: Video, *, wait: bool, output: Path | None, as_json: bool
) -> None:
    """What `create` and `remix` do with a new video: report it, maybe wait and download."""
    if not as_json:
        _say(f"Created video [bold]{video.id}[/bold] ({video.status.value}).")
    if wait or output is not None:
        video = _follow(client, video)
        if not as_json:
            _say(f"Video {video.id} completed.")
        if output is not None:
            path = _download(client, video.id, Variant.VIDEO, output)
            if not as_json:
                _say(f"Saved to {escape(str(path))}")
    if as_json:
        _print_json(video.to_dict())


# --- commands -----------------------------------------------------------------------------------


@app.command(rich_help_panel=CLIENT_PANEL)
@_readable_errors
def login(
    username: Annotated[str, typer.Option("--username", "-u", prompt=True, help="User name")],
    password: Annotated[
        str,
        typer.Option(
            "--password", "-p", prompt=True, hide_input=True, help="Password (asked if not given)"
        ),
    ],
    url: Annotated[
        str | None,
        typer.Option(
            help="Server URL [env SORA2_URL; default: the last one, or http://localhost:3000]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Log in to a server and remember its URL and token."""
    with _client(url or server_url()) as client:
        try:
            user = client.login(username, password)
        except AuthenticationError as exc:
            _fail(exc.message)
        assert client.token is not None
        path = save_credentials(Credentials(client.base_url, client.token, user.username))
    _say(f"Logged in to {client.base_url} as [bold]{escape(user.username)}[/bold].")
    _say(f"Token saved in {escape(str(path))}")


@app.command(rich_help_panel=CLIENT_PANEL)
@_readable_errors
def logout() -> None:
    """Forget the stored token."""
    if remove_credentials():
        _say(f"Logged out (removed {escape(str(credentials_path()))}).")
    else:
        _say("Not logged in.")
    if os.environ.get(TOKEN_VARIABLE):
        err_console.print(f"note: {TOKEN_VARIABLE} is set in the environment and still applies")


@app.command(rich_help_panel=CLIENT_PANEL)
@_readable_errors
def create(
    prompt: Annotated[str, typer.Argument(help="What the video shows", show_default=False)],
    model: Annotated[str, typer.Option(help="sora-2 or sora-2-pro (see `sora2 models`)")] = (
        "sora-2"
    ),
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT, one the model offers")] = "1280x720",
    seconds: Annotated[str, typer.Option(help="Length in seconds: 4, 8 or 12")] = "8",
    image: Annotated[
        Path | None,
        typer.Option(
            "--image",
            exists=True,
            dir_okay=False,
            readable=True,
            help="First-frame image (JPEG, PNG or WebP)",
        ),
    ] = None,
    wait: WaitOption = False,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a video from a prompt (and optionally a first-frame image)."""
    with _connected() as client:
        video = client.create_video(prompt, model, size, seconds, input_reference=image)
        _started(client, video, wait=wait, output=output, as_json=as_json)


@app.command(rich_help_panel=CLIENT_PANEL)
@_readable_errors
def status(video_id: VideoIdArgument, as_json: JsonOption = False) -> None:
    """Show a video's status and details."""
    with _connected() as client:
        video = client.get_video_status(video_id)
    if as_json:
        _print_json(video.to_dict())
        return
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in video.to_dict().items():
        shown = _when(value) if key.endswith("_at") else ("" if value is None else str(value))
        table.add_row(key, Text(shown))
    console.print(table)


@app.command("list", rich_help_panel=CLIENT_PANEL)
@_readable_errors
def list_videos(
    limit: Annotated[int, typer.Option(min=1, help="How many videos")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="How many of the newest to skip")] = 0,
    status: Annotated[
        str | None, typer.Option(help="Only these: queued, in_progress, completed or failed")
    ] = None,
    search: Annotated[str | None, typer.Option(help="Only prompts containing this text")] = None,
    as_json: JsonOption = False,
) -> None:
    """List my videos, newest first."""
    with _connected() as client:
        page = client.list_videos(limit=limit, offset=offset, status=status, query=search)
    if as_json:
        _print_json(page.to_dict())
        return
    if not page.videos:
        _say("No videos." if offset == 0 else "No more videos.")
        return
    # Ids are never cut (they are what the other commands take); a narrow terminal gets fewer
    # columns, and the prompt is the one that wraps.
    wide = console.width >= WIDE_TABLE
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("id", no_wrap=True, min_width=36)
    table.add_column("status", no_wrap=True)
    if wide:
        for name in ("model", "size", "created"):
            table.add_column(name, no_wrap=True)
    table.add_column("prompt", overflow="fold")
    for video in page.videos:
        state = video.status.value
        if video.status is VideoStatus.IN_PROGRESS:
            state = f"{state} {video.progress}%"
        details = [video.model, f"{video.size} {video.seconds}s", _when(video.created_at)[:16]]
        table.add_row(video.id, state, *(details if wide else []), Text(video.prompt))
    console.print(table)


@app.command(rich_help_panel=CLIENT_PANEL)
@_readable_errors
def download(
    video_id: VideoIdArgument,
    variant: Annotated[Variant, typer.Option(help="Which file")] = Variant.VIDEO,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File or folder [default: ./<id>.<mp4|webp|jpg>]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Download a completed video, its thumbnail or its spritesheet."""
    with _connected() as client:
        path = _download(client, video_id, variant, output)
    _say(f"Saved to {escape(str(path))}")


@app.command(rich_help_panel=CLIENT_PANEL)
@_readable_errors
def remix(
    video_id: VideoIdArgument,
    prompt: Annotated[str, typer.Argument(help="What to change", show_default=False)],
    wait: WaitOption = False,
    output: OutputOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a new video from a completed one and a new prompt."""
    with _connected() as client:
        video = client.remix_video(video_id, prompt)
        _started(client, video, wait=wait, output=output, as_json=as_json)


@app.command(rich_help_panel=CLIENT_PANEL)
@_readable_errors
def delete(
    video_id: VideoIdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
) -> None:
    """Delete a video and its files."""
    with _connected() as client:
        if not yes:
            typer.confirm(f"Delete video {video_id}?", abort=True)
        client.delete_video(video_id)
    _say(f"Deleted video {video_id}.")


@app.command(rich_help_panel=CLIENT_PANEL)
@_readable_errors
def models(as_json: JsonOption = False) -> None:
    """List the models on offer, with their sizes, lengths and prices."""
    with _connected() as client:
        offered = client.models()
    if as_json:
        _print_json({"models": [model.to_dict() for model in offered]})
        return
    table = Table("model", "sizes", "seconds", "USD/second", "description")
    for model in offered:
        prices = sorted(set(model.price_per_second.values()))
        table.add_row(
            model.id,
            "\n".join(model.sizes),
            ", ".join(model.seconds),
            " – ".join(f"{price:g}" for price in prices),
            Text(model.description),
        )
    console.print(table)
