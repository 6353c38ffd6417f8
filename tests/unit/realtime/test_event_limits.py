"""The per-socket event rate: a token bucket, refusals, then disconnection for abuse."""

from __future__ import annotations

from sora2.realtime.limits import EventRateLimiter, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_refused_then_refilled() -> None:
    clock = Clock()
    limiter = EventRateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.check("a") for _ in range(4)] == [Verdict.ALLOW] * 3 + [Verdict.REFUSE]
    assert limiter.check("b") is Verdict.ALLOW  # every socket has its own bucket
    clock.now += 0.5  # one event's worth at 2 per second
    assert limiter.check("a") is Verdict.ALLOW
    assert limiter.check("a") is Verdict.REFUSE


def test_a_socket_that_keeps_on_after_refusals_is_disconnected() -> None:
    clock = Clock()
    limiter = EventRateLimiter(rate=1, burst=2, clock=clock)
    verdicts = [limiter.check("a") for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 2 + [Verdict.REFUSE] * 2 + [Verdict.DISCONNECT] * 2


def test_strikes_fade_so_an_occasional_burst_is_never_fatal() -> None:
    clock = Clock()
    limiter = EventRateLimiter(rate=1, burst=2, clock=clock)
    for _ in range(20):
        verdicts = [limiter.check("a") for _ in range(3)]  # one over, every few seconds
        assert Verdict.DISCONNECT not in verdicts
        clock.now += 3


def test_forgotten_sockets_start_afresh() -> None:
    limiter = EventRateLimiter(rate=1, burst=1, clock=Clock())
    assert limiter.check("a") is Verdict.ALLOW
    assert limiter.check("a") is Verdict.REFUSE
    limiter.forget("a")
    assert limiter.check("a") is Verdict.ALLOW
