"""One scheduler: two beats never double the schedule; the standby takes over in bounded time."""

from __future__ import annotations

import os
import re
import signal
import time

from tests.integration.conftest import HOST
from tests.integration.helpers import wait_for_baseline
from tests.support.sentinel_procs import SENTINEL
from tests.support.services import wait_until

INSPECT_RECEIVED = re.compile(r"Task inspect_host\[[^\]]+\] received")


def inspections(sentinel) -> int:  # type: ignore[no-untyped-def]
    return len(INSPECT_RECEIVED.findall(sentinel.log("w1")))


def test_two_beats_schedule_once_and_the_standby_takes_over_when_the_leader_dies(
        docker_host, sentinel, redis_url):
    sentinel.env.update({"SENTINEL_INTERVAL_S": "0.5", "SENTINEL_BEAT_LEASE_S": "3"})
    sentinel.worker()
    first = sentinel.start("beat-a", [*SENTINEL, "beat", "-s", str(sentinel.dir / "a")])
    wait_for_baseline(redis_url, HOST)
    second = sentinel.start("beat-b", [*SENTINEL, "beat", "-s", str(sentinel.dir / "b")])
    time.sleep(2)  # both running

    start = inspections(sentinel)
    time.sleep(6)
    both_running = inspections(sentinel) - start
    # One beat at 0.5 s: about 12 in 6 s; two beats doubling it would be about 24.
    assert 8 <= both_running <= 16, both_running

    leader, standby = (first, "beat-b") if "now the active scheduler" in sentinel.log(
        "beat-a") else (second, "beat-a")
    os.killpg(leader.pid, signal.SIGKILL)  # dies without releasing its lease
    killed_at = time.time()
    wait_until(lambda: "now the active scheduler" in sentinel.log(standby), 10,
               what="the standby taking over")
    takeover_s = time.time() - killed_at
    assert takeover_s <= 3 + 1.5, takeover_s  # the lease, plus one standby check
    after = inspections(sentinel)
    time.sleep(3)
    assert inspections(sentinel) - after >= 4, "the new leader schedules the inspections"
