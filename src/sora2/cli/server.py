"""Server-side commands: serve the platform, run the simulator, manage users (on the database)."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.table import Table

from sora2.cli._app import SERVER_PANEL, app, console, err_console
from sora2.config import Settings, load_settings
from sora2.errors import Sora2Error

P = ParamSpec("P")
T = TypeVar("T")

users_app = typer.Typer(help="Manage the platform's users (works on the database directly).")
app.add_typer(users_app, name="users", rich_help_panel=SERVER_PANEL)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder [env SORA2_DATA_DIR; default ./data]"),
]


def _fail_readably(func: Callable[P, T]) -> Callable[P, T]:
    """Turn the platform's errors into a one-line message and exit code 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return func(*args, **kwargs)
        except Sora2Error as exc:
            err_console.print(f"[red]error:[/red] {exc.message}")
            raise typer.Exit(1) from None
        except ValueError as exc:  # settings that do not validate
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None

    return wrapper


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)-7s %(name)s: %(message)s"
    )
    if level.lower() != "debug":
        # One line per provider request is noise at info level; the tracker logs what matters.
        logging.getLogger("httpx2").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)


def _run(make: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await make()

    return asyncio.run(main())


@app.command(rich_help_panel=SERVER_PANEL)
@_fail_readably
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [env SORA2_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [env SORA2_PORT; default 3000]")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the platform (API, docs at /api/docs) with its job tracker."""
    import uvicorn  # imported here: only this command needs the server

    from sora2.api.app import create_app
    from sora2.cli._serving import PlatformServer

    settings = load_settings(host=host, port=port, data_dir=data_dir)
    _configure_logging(settings.log_level)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        # Requests share the tracker's budget, so SIGTERM to exit stays well under 25 s.
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_seconds),
        # https (hence HSTS) and the client's address come from these proxies only.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # A WebSocket frame is one Socket.IO message: refused by uvicorn beyond the cap.
        ws_max_size=settings.socketio_max_message_bytes + 1024,
        server_header=False,
    )
    PlatformServer(config, app=app).run()


@app.command(rich_help_panel=SERVER_PANEL)
@_fail_readably
def simulator(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="Where simulated jobs and media are kept")
    ] = Path("data/simulator"),
    api_key: Annotated[
        str | None,
        typer.Option(
            help="Require this bearer key [env SORA2_SIMULATOR_API_KEY]",
            envvar="SORA2_SIMULATOR_API_KEY",
        ),
    ] = None,
    job_seconds: Annotated[
        float | None,
        typer.Option(help="Seconds a job takes [env SORA2_SIMULATOR_JOB_SECONDS; default 20]"),
    ] = None,
    webhook_url: Annotated[
        str | None,
        typer.Option(
            help="Post signed video.completed/video.failed webhooks here "
            "[env SORA2_SIMULATOR_WEBHOOK_URL]"
        ),
    ] = None,
    webhook_secret: Annotated[
        str | None,
        typer.Option(
            help="Sign webhooks with this whsec_... secret [env SORA2_OPENAI_WEBHOOK_SECRET]"
        ),
    ] = None,
    faults: Annotated[
        bool,
        typer.Option(
            "--faults",
            help="Serve /v1/simulator/faults, to queue errors, delays and dropped answers for "
            "testing clients (behind --api-key when one is set)",
        ),
    ] = False,
) -> None:
    """Run the OpenAI Videos API simulator alone (base URL http://HOST:PORT/v1)."""
    from sora2.providers.simulator.server import run_standalone

    settings = load_settings()
    _configure_logging(settings.log_level)
    secret = settings.openai_webhook_secret
    run_standalone(
        host=host,
        port=port,
        data_dir=data_dir,
        api_key=api_key,
        job_seconds=settings.simulator_job_seconds if job_seconds is None else job_seconds,
        webhook_url=webhook_url or settings.simulator_webhook_url,
        webhook_secret=webhook_secret or (secret.get_secret_value() if secret else None),
        faults=faults,
    )


def _accounts_settings(data_dir: Path | None) -> Settings:
    return load_settings(data_dir=data_dir)


@users_app.command("add")
@_fail_readably
def users_add(
    name: Annotated[str, typer.Argument(help="The new user's name")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password")
    ],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an admin")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Add a user."""
    from sora2.container import open_accounts

    async def add() -> None:
        async with open_accounts(_accounts_settings(data_dir)) as accounts:
            await accounts.auth.add_user(username=name, password=password, is_admin=admin)

    _run(add)
    console.print(f"Added {'admin ' if admin else ''}user [bold]{name}[/bold].")


@users_app.command("passwd")
@_fail_readably
def users_passwd(
    name: Annotated[str, typer.Argument(help="Whose password to change")],
    password: Annotated[
        str,
        typer.Option(
            prompt="New password", hide_input=True, confirmation_prompt=True, help="New password"
        ),
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Set a user's password; their existing tokens stop working."""
    from sora2.container import open_accounts

    async def passwd() -> None:
        async with open_accounts(_accounts_settings(data_dir)) as accounts:
            user = await accounts.auth.find_user(name)
            await accounts.auth.set_password(user_id=user.id, password=password)

    _run(passwd)
    console.print(f"Password of [bold]{name}[/bold] changed.")


@users_app.command("list")
@_fail_readably
def users_list(data_dir: DataDirOption = None) -> None:
    """List the users."""
    from sora2.container import open_accounts

    async def list_all() -> list[tuple[str, str, bool]]:
        async with open_accounts(_accounts_settings(data_dir)) as accounts:
            return [(u.username, u.id, u.is_admin) for u in await accounts.auth.list_users()]

    table = Table("username", "id", "admin")
    for username, user_id, is_admin in _run(list_all):
        table.add_row(username, user_id, "yes" if is_admin else "")
    console.print(table)


@users_app.command("remove")
@_fail_readably
def users_remove(
    name: Annotated[str, typer.Argument(help="The user to remove")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Remove a user and every video they made."""
    from sora2.container import build_container

    if not yes:
        typer.confirm(f"Remove user {name} and all their videos?", abort=True)
    settings = _accounts_settings(data_dir).model_copy(update={"tracker_enabled": False})

    async def remove() -> None:
        async with build_container(settings) as container:
            user = await container.auth.find_user(name)
            await container.users.remove(user_id=user.id)

    _run(remove)
    console.print(f"Removed user [bold]{name}[/bold].")


@app.command("audit", rich_help_panel=SERVER_PANEL)
@_fail_readably
def audit(
    limit: Annotated[int, typer.Option(help="How many entries, newest first")] = 50,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. login.failed")] = None,
    user: Annotated[
        str | None, typer.Option(help="Only entries whose actor is this id or name")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Show the audit log (logins, user changes, deletions), newest first."""
    import time

    from sora2.container import open_accounts
    from sora2.domain import AuditEntry

    async def read() -> list[AuditEntry]:
        async with open_accounts(_accounts_settings(data_dir)) as accounts:
            page = await accounts.audit.page(limit=limit, action=action, user=user)
            return list(page.entries)

    table = Table("when (UTC)", "action", "actor", "target", "client", "reason")
    for entry in _run(read):
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(entry.at))
        table.add_row(
            when,
            entry.action.value,
            entry.actor_name or "",
            entry.target or "",
            entry.client or "",
            entry.reason or "",
        )
    console.print(table)


@app.command(rich_help_panel=SERVER_PANEL)
def version() -> None:
    """Print the platform's version."""
    import sora2

    console.print(sora2.__version__)
