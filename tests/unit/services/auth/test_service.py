"""AuthService: logins, the throttle, token expiry and revocation, the initial admin."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sora2.domain import AuditAction
from sora2.errors import AuthenticationFailed, InvalidInput, PermissionDenied, RateLimited
from sora2.events import SessionsRevoked
from sora2.services.auth.passwords import Passwords
from sora2.services.auth.policy import PasswordPolicy
from sora2.services.auth.service import INITIAL_PASSWORD_FILE, INVALID_LOGIN
from sora2.services.auth.throttle import THROTTLED
from tests.support.world import PASSWORD, World, WorldFactory

NEW_PASSWORD = "a brand new passphrase"


async def test_a_login_gives_a_token_that_stands_for_the_user(world: World) -> None:
    login = await world.auth.login(username=" Alice ", password=PASSWORD, client="198.51.100.7")
    assert login.user.id == world.user.id
    assert (await world.auth.authenticate(login.token)).id == world.user.id
    entries, _ = await world.audit.page(limit=10, offset=0, action=AuditAction.LOGIN_SUCCEEDED)
    assert [(e.actor_id, e.client) for e in entries] == [(world.user.id, "198.51.100.7")]


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(world: World) -> None:
    with pytest.raises(AuthenticationFailed) as wrong:
        await world.auth.login(username="alice", password="not the password")
    with pytest.raises(AuthenticationFailed) as unknown:
        await world.auth.login(username="mallory", password=PASSWORD)
    assert wrong.value.message == unknown.value.message == INVALID_LOGIN


async def test_logins_are_throttled_after_repeated_failures_until_the_window_passes(
    world: World,
) -> None:
    assert (world.settings.login_max_failures, world.settings.login_window_seconds) == (3, 300)
    start = world.clock.now()
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            await world.auth.login(username="alice", password="guess", client="192.0.2.1")
        world.clock.advance(1)

    # Even the right password is refused now, and the answer says when to come back.
    with pytest.raises(RateLimited) as throttled:
        await world.auth.login(username="alice", password=PASSWORD, client="192.0.2.99")
    assert throttled.value.message == THROTTLED
    assert throttled.value.retry_after == pytest.approx(start + 300 - world.clock.now())

    world.clock.set(start + 300)  # the first failure has left the window
    login = await world.auth.login(username="alice", password=PASSWORD)
    assert login.user.id == world.user.id


async def test_a_token_expires_on_the_services_clock(world: World) -> None:
    login = await world.auth.login(username="alice", password=PASSWORD)
    world.clock.advance(world.settings.jwt_expiry_seconds - 1)
    assert (await world.auth.authenticate(login.token)).id == world.user.id
    world.clock.advance(1)
    with pytest.raises(AuthenticationFailed, match="token has expired; log in again"):
        await world.auth.authenticate(login.token)


async def test_changing_the_password_revokes_every_older_token(world: World) -> None:
    old = await world.auth.login(username="alice", password=PASSWORD)
    world.events.clear()

    new = await world.auth.change_password(old.user, current=PASSWORD, new=NEW_PASSWORD)

    with pytest.raises(AuthenticationFailed, match="token has been revoked; log in again"):
        await world.auth.authenticate(old.token)
    assert (await world.auth.authenticate(new.token)).id == world.user.id
    [revoked] = [e for e in world.events.all if isinstance(e, SessionsRevoked)]
    assert (revoked.user_id, revoked.reason) == (world.user.id, "password changed")
    assert revoked.token_version == new.user.token_version
    with pytest.raises(AuthenticationFailed):
        await world.auth.login(username="alice", password=PASSWORD)
    await world.auth.login(username="alice", password=NEW_PASSWORD)


async def test_changing_the_password_needs_the_current_one_and_a_different_new_one(
    world: World,
) -> None:
    user = world.user
    with pytest.raises(AuthenticationFailed, match="the current password is wrong"):
        await world.auth.change_password(user, current="not it", new=NEW_PASSWORD)
    with pytest.raises(InvalidInput, match="must differ from the current one"):
        await world.auth.change_password(user, current=PASSWORD, new=PASSWORD)
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        await world.auth.change_password(user, current=PASSWORD, new="short")


async def test_logout_ends_every_session(world: World) -> None:
    login = await world.auth.login(username="alice", password=PASSWORD)
    await world.auth.logout(login.user)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        await world.auth.authenticate(login.token)


async def _without_users(world: World) -> None:
    for user in (world.user, world.other):
        assert await world.users.delete(user.id)


async def test_the_initial_admin_on_loopback_has_the_default_password(
    world: World, tmp_path: Path
) -> None:
    await world.auth.ensure_initial_admin(admin_password=None, data_dir=tmp_path)
    assert await world.users.count() == 2  # users exist: nothing done

    await _without_users(world)
    await world.auth.ensure_initial_admin(admin_password=None, data_dir=tmp_path)
    login = await world.auth.login(username="admin", password="admin")
    assert login.user.is_admin
    await world.auth.ensure_initial_admin(admin_password=None, data_dir=tmp_path)
    assert await world.users.count() == 1


async def test_the_initial_admin_takes_the_configured_password(
    world: World, tmp_path: Path
) -> None:
    await _without_users(world)
    await world.auth.ensure_initial_admin(admin_password="the operator's choice", data_dir=tmp_path)
    assert (
        await world.auth.login(username="admin", password="the operator's choice")
    ).user.is_admin


async def test_off_loopback_the_initial_admin_gets_a_random_password_kept_private(
    make_world: WorldFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = await make_world(host="0.0.0.0")
    await _without_users(world)
    await world.auth.ensure_initial_admin(admin_password=None, data_dir=tmp_path)

    path = tmp_path / INITIAL_PASSWORD_FILE
    password = path.read_text().strip()
    assert password in capsys.readouterr().out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (await world.auth.login(username="admin", password=password)).user.is_admin
    with pytest.raises(AuthenticationFailed):
        await world.auth.login(username="admin", password="admin")


async def test_off_loopback_the_default_admin_password_is_refused_with_how_to_fix_it(
    make_world: WorldFactory,
) -> None:
    world = await make_world(host="0.0.0.0")
    # The policy refuses 'admin' as a new password: plant an account that still has it (made
    # while the server listened on loopback).
    user = await world.auth.add_user(username="old", password="placeholder-pass")
    cheap = Passwords(policy=PasswordPolicy(blocklist=[]), time_cost=1, memory_cost=32)
    await world.users.set_password(user.id, await cheap.hash("admin"))

    with pytest.raises(PermissionDenied, match="sora2 users passwd old"):
        await world.auth.login(username="old", password="admin")
