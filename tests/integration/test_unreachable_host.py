"""Issue 4's first acceptance: two real hosts, one frozen with SIGSTOP (it accepts connections
and never answers): one unreachable alert, no DEAD for its containers, the other host still
watched within seconds, and one recovery after SIGCONT."""

from __future__ import annotations

import json
import os
import signal
import time

from tests.integration.conftest import HOST, MEASUREMENTS
from tests.integration.helpers import start_node, wait_for_baseline
from tests.integration.test_cli import run
from tests.support.services import DockerDaemon, wait_until

FROZEN = "frozen"


def test_a_frozen_host_is_one_alert_and_never_a_dead_container(
        docker_host, second_dockerd, sentinel, bot_api, redis_url, tmp_path):
    config = tmp_path / "sentinel.toml"
    config.write_text(f'[hosts]\n{HOST} = "{docker_host.url}"\n'
                      f'{FROZEN} = {{ url = "{second_dockerd.url}", timeout_s = 2 }}\n')
    sentinel.env["SENTINEL_CONFIG"] = str(config)
    del sentinel.env["SENTINEL_HOSTS"]  # the hosts come from the file
    for i in range(3):
        second_dockerd.run(f"cold{i}")
    victim = docker_host.run("victim")
    start_node(sentinel, redis_url, HOST)
    wait_for_baseline(redis_url, FROZEN)

    os.kill(second_dockerd.proc.pid, signal.SIGSTOP)
    frozen_at = time.time()
    try:
        wait_until(lambda: bot_api.embeds(f"[UNREACHABLE] {FROZEN}"), 30,
                   what="the unreachable alert")
        alerted_after = time.time() - frozen_at
        report = json.loads(run(sentinel.env, "status", "--json").stdout)
        hosts = {h["name"]: h["status"] for h in report["hosts"]}
        assert hosts == {HOST: "up", FROZEN: "unreachable"}
        assert {c["status"] for c in report["containers"] if c["host"] == FROZEN} == {"unknown"}
        killed_at = time.time()
        DockerDaemon.crash(victim)
        wait_until(lambda: bot_api.embeds("[DEAD] victim"), 10,
                   what="a death on the other host")
        other_host_s = time.time() - killed_at
    finally:
        os.kill(second_dockerd.proc.pid, signal.SIGCONT)
    thawed_at = time.time()
    wait_until(lambda: bot_api.embeds(f"Recovered: {FROZEN}"), 30, what="the host's recovery")
    recovered_after = time.time() - thawed_at
    time.sleep(3)
    MEASUREMENTS.append(f"frozen host (1 s interval, timeout 2 s): unreachable alert after "
                        f"{alerted_after:.1f} s, recovery {recovered_after:.1f} s after SIGCONT, "
                        f"a death on the other host alerted after {other_host_s:.1f} s")
    assert len(bot_api.embeds(f"[UNREACHABLE] {FROZEN}")) == 1
    assert len(bot_api.embeds(f"Recovered: {FROZEN}")) == 1
    assert bot_api.embeds("[DEAD] cold") == [] and bot_api.embeds("Recovered: cold") == []
    assert len(bot_api.embeds("[DEAD] victim")) == 1
    assert other_host_s < 5
