"""Sub-second detection: the event watcher on a real dockerd, with polls only every 30 s."""

from __future__ import annotations

import time

from tests.integration.conftest import HOST, MEASUREMENTS
from tests.integration.helpers import start_node
from tests.support.sentinel_procs import SENTINEL
from tests.support.services import DockerDaemon, wait_until


def test_five_deaths_in_a_row_are_each_alerted_within_a_second_at_a_30_s_interval(
        docker_host, sentinel, bot_api, redis_url):
    names = [f"ev{i}" for i in range(5)]
    containers = [docker_host.run(n) for n in names]
    sentinel.env["SENTINEL_INTERVAL_S"] = "30"
    sentinel.start("watcher", [*SENTINEL, "watch"])
    start_node(sentinel, redis_url, HOST)  # the first listing (the baseline) comes at once
    time.sleep(1.0)  # the watcher is following the stream
    latencies = []
    for name, container in zip(names, containers, strict=True):
        killed_at = time.time()
        DockerDaemon.crash(container)
        shown = wait_until(lambda n=name: bot_api.embeds(f"[DEAD] {n}"), 10,
                           what=f"the DEAD embed of {name}")
        latencies.append(shown[0][0].at - killed_at)
        time.sleep(0.5)
    shown = ", ".join(f"{s:.2f}" for s in latencies)
    MEASUREMENTS.append(f"death->alert with events at a 30 s interval, five in a row: {shown} s "
                        f"(max {max(latencies):.2f})")
    assert max(latencies) < 1.0, latencies
    time.sleep(2)
    for name in names:
        assert len(bot_api.embeds(f"[DEAD] {name}")) == 1  # events and polls: once each


def test_a_container_that_dies_and_is_restarted_between_polls_is_seen_by_the_events(
        docker_host, sentinel, bot_api, redis_url):
    """Invisible to a 30 s poll: dead and running again within a second. The events see
    both: one DEAD and one Recovered."""
    phoenix = docker_host.run("phoenix")
    sentinel.env["SENTINEL_INTERVAL_S"] = "30"
    sentinel.start("watcher", [*SENTINEL, "watch"])
    start_node(sentinel, redis_url, HOST)
    time.sleep(1.0)
    DockerDaemon.crash(phoenix)
    wait_until(lambda: bot_api.embeds("[DEAD] phoenix"), 5, what="the DEAD embed")
    phoenix.start()
    wait_until(lambda: bot_api.embeds("Recovered: phoenix"), 5, what="the Recovered embed")
    time.sleep(2)
    assert len(bot_api.embeds("[DEAD] phoenix")) == 1
    assert len(bot_api.embeds("Recovered: phoenix")) == 1
