"""Sentinel watching itself (pure): the cycle verdict, the ping URL, stale roles."""

from __future__ import annotations

import pytest

from sentinel.core.liveness import cycle_verdict, heartbeat_url, role_lives

NOW = 1_800_000_000.0


@pytest.mark.parametrize(("inspected", "failures", "ok", "failing"), [
    pytest.param({"a": NOW - 5, "b": NOW - 20}, {}, True, [], id="all-within-the-cycle"),
    pytest.param({"a": NOW - 5, "b": NOW - 60}, {}, False, ["b"], id="one-stale"),
    pytest.param({"a": NOW - 5}, {}, False, ["b"], id="one-never-inspected"),
    pytest.param({"a": NOW - 5, "b": NOW - 5}, {"b": 1}, False, ["b"], id="one-failing"),
])
def test_a_cycle_is_complete_when_every_host_was_inspected_within_it(
        inspected, failures, ok, failing) -> None:
    verdict = cycle_verdict(["a", "b"], inspected, failures, NOW, interval_s=30)
    assert (verdict.ok, verdict.failing) == (ok, failing)


def test_no_hosts_is_never_a_complete_cycle() -> None:
    assert not cycle_verdict([], {}, {}, NOW, 30).ok


@pytest.mark.parametrize(("base", "ok", "expected"), [
    ("https://hc-ping.com/uuid", True, "https://hc-ping.com/uuid"),
    ("https://hc-ping.com/uuid", False, "https://hc-ping.com/uuid/fail"),
    ("https://hc-ping.com/uuid/", False, "https://hc-ping.com/uuid/fail"),
])
def test_the_ping_url(base, ok, expected) -> None:
    assert heartbeat_url(base, ok) == expected


def test_roles_silent_too_long_are_stale() -> None:
    lives = role_lives({"beat:b1": NOW - 2, "worker:w1@x": NOW - 120, "watcher:h:1": NOW - 30},
                       NOW)
    assert [(life.role, life.stale) for life in lives] == [
        ("beat", False), ("watcher", True), ("worker", True)]
