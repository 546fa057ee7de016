"""The beat schedule (beat_schedule.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from beat_schedule import SWEEP_INTERVAL_S, build_beat_schedule

SWEEP = {
    "task": "sweep_outbox",
    "schedule": timedelta(seconds=SWEEP_INTERVAL_S),
    "options": {"queue": "alerts", "expires": SWEEP_INTERVAL_S},
}


def heartbeat_entry(interval_s: float) -> dict[str, object]:
    return {"task": "heartbeat", "schedule": timedelta(seconds=interval_s),
            "options": {"queue": "alerts", "expires": interval_s}}


def inspect_entry(host: str, interval_s: float) -> dict[str, object]:
    return {
        "task": "inspect_host",
        "schedule": timedelta(seconds=interval_s),
        "args": (host,),
        "options": {"queue": "inspect", "expires": interval_s},
    }


@pytest.mark.parametrize(
    ("hosts", "interval_s"),
    [
        # the default single host
        pytest.param(["local"], 30.0, id="one-host"),
        # one entry per host
        pytest.param(["local", "prod", "edge-7"], 30.0, id="three-hosts"),
        # fractions of a second
        pytest.param(["local"], 0.5, id="fractional-interval"),
        # no host: only the heartbeat and the sweep
        pytest.param([], 30.0, id="no-hosts"),
    ],
)
def test_it_inspects_each_host_every_interval_plus_heartbeat_and_sweep(
        hosts: list[str], interval_s: float) -> None:
    assert build_beat_schedule(hosts, interval_s) == {
        **{f"inspect:{h}": inspect_entry(h, interval_s) for h in hosts},
        "heartbeat": heartbeat_entry(interval_s),
        "sweep-outbox": SWEEP,
    }


def test_it_sweeps_the_outbox_at_its_own_interval() -> None:
    schedule = build_beat_schedule(["local"], 30.0, sweep_interval_s=2.0)
    assert schedule["sweep-outbox"]["schedule"] == timedelta(seconds=2)
    assert schedule["sweep-outbox"]["options"] == {"queue": "alerts", "expires": 2.0}
    assert SWEEP_INTERVAL_S == 10.0


def test_it_builds_a_schedule_from_a_generator_of_hosts() -> None:
    schedule = build_beat_schedule((h for h in ("a", "b")), 15)
    assert sorted(schedule) == ["heartbeat", "inspect:a", "inspect:b", "sweep-outbox"]
