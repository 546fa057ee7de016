"""The spine, end to end on real parts: dockerd -> beat -> inspect_host -> record_observations
-> deliver_alert -> the bot API emulator."""

from __future__ import annotations

import time

from tests.integration.conftest import HOST, MEASUREMENTS
from tests.integration.helpers import field, start_node, store_for, wait_for_status
from tests.support.services import DockerDaemon, wait_until

SETTLE_S = 3.0  # long enough for several 1 s cycles to (wrongly) alert again


def test_a_sigkilled_container_gives_one_red_embed_and_its_return_one_green_embed(
        docker_host, sentinel, bot_api, redis_url):
    web = docker_host.run("web")
    start_node(sentinel, redis_url, HOST)

    killed_at = time.time()
    DockerDaemon.crash(web)  # SIGKILL
    dead = wait_until(lambda: bot_api.embeds("[DEAD] web"), 15, what="the DEAD embed")
    latency_s = dead[0][0].at - killed_at
    MEASUREMENTS.append(f"death->alert latency at a 1 s interval: {latency_s:.2f} s "
                        "(test_a_sigkilled_container_gives_one_red_embed...)")

    message, embed = dead[0]
    assert embed["color"] == 0xED4245
    assert field(embed, "Exit code") == "137 (SIGKILL)"
    assert field(embed, "Host") == HOST
    assert docker_host.url in field(embed, "Recover with")
    assert message.payload["allowed_mentions"] == {"parse": []}
    assert latency_s < 5.0

    time.sleep(SETTLE_S)
    web.start()
    recovered = wait_until(lambda: bot_api.embeds("Recovered: web"), 15,
                           what="the Recovered embed")
    time.sleep(SETTLE_S)
    assert len(bot_api.embeds("[DEAD] web")) == 1
    assert len(bot_api.embeds("Recovered: web")) == 1
    embed = recovered[0][1]
    assert embed["color"] == 0x57F287
    downtime = field(embed, "Was down")
    assert downtime.startswith("~") and downtime.endswith("s"), downtime
    seconds = int(downtime.strip("~s").split("m")[-1])
    assert SETTLE_S <= seconds <= SETTLE_S + 6, downtime


def test_a_container_created_after_start_up_is_watched(docker_host, sentinel, bot_api,
                                                      redis_url):
    start_node(sentinel, redis_url, HOST)
    late = docker_host.run("late")
    wait_for_status(redis_url, HOST, "late", "running")
    DockerDaemon.crash(late)
    wait_until(lambda: bot_api.embeds("[DEAD] late"), 15, what="the DEAD embed of `late`")
    time.sleep(SETTLE_S)
    assert len(bot_api.embeds("[DEAD] late")) == 1


def test_two_workers_racing_give_exactly_one_alert_per_transition(docker_host, sentinel,
                                                                   bot_api, redis_url):
    """Four worker processes, inspections every 0.2 s: overlapping snapshots of one host race
    in the alert step all the time, and still each death and return is alerted once."""
    sentinel.env["SENTINEL_INTERVAL_S"] = "0.2"
    names = [f"race{i}" for i in range(5)]
    containers = [docker_host.run(n) for n in names]
    sentinel.worker("w2", concurrency=2, via_celery=True)
    start_node(sentinel, redis_url, HOST, name="w1", concurrency=2, via_celery=True)
    for c in containers:
        DockerDaemon.crash(c)
    wait_until(lambda: len(bot_api.embeds("[DEAD] race")) >= 5, 20, what="five DEAD embeds")
    for c in containers:
        c.start()
    wait_until(lambda: len(bot_api.embeds("Recovered: race")) >= 5, 20,
               what="five Recovered embeds")
    time.sleep(SETTLE_S)
    assert sorted(e["title"] for _, e in bot_api.embeds("[DEAD] ")) == [
        f"[DEAD] {n}" for n in names]
    assert sorted(e["title"] for _, e in bot_api.embeds("Recovered: ")) == [
        f"Recovered: {n}" for n in names]
    both_logs = sentinel.log("w1") + sentinel.log("w2")
    assert "record_observations" in sentinel.log("w1") and "record_observations" in \
        sentinel.log("w2"), "both workers must have taken part"
    assert "Traceback" not in both_logs


def test_the_bot_api_failing_500_then_429_then_accepting_shows_one_message(
        docker_host, sentinel, bot_api, redis_url):
    flaky = docker_host.run("flaky")
    start_node(sentinel, redis_url, HOST)
    bot_api.script(("status", 500), ("429", 1.5), ("drop_after_accept", None))
    DockerDaemon.crash(flaky)
    wait_until(lambda: [a for a in bot_api.attempts() if a.outcome == "duplicate"], 30,
               what="the retry after the lost answer")
    time.sleep(SETTLE_S)

    assert len(bot_api.messages("[DEAD] flaky")) == 1
    sends = [a for a in bot_api.attempts() if a.path.startswith("/send/")]
    assert [a.outcome for a in sends] == ["status:500", "429:1.5", "posted+dropped", "duplicate"]
    assert len({a.nonce for a in sends}) == 1, "every attempt carries the same nonce"
    waited_after_429_s = sends[2].at - sends[1].at
    MEASUREMENTS.append(
        f"retry after a 429 with retry_after 1.5: waited {waited_after_429_s:.2f} s")
    assert waited_after_429_s >= 1.5
    assert store_for(redis_url).is_delivered(sends[0].nonce)


def test_containers_stopped_before_the_first_start_give_one_summary_and_no_dead_storm(
        docker_host, sentinel, bot_api, redis_url):
    for i in range(6):
        docker_host.run(f"old{i}", "sh -c 'exit 1'")
    docker_host.run("alive")
    wait_until(lambda: len(docker_host.client.containers.list(filters={"status": "exited"}))
               == 6, 10, what="six exited containers")
    start_node(sentinel, redis_url, HOST)
    wait_until(lambda: bot_api.embeds("[BASELINE]"), 15, what="the baseline summary")
    time.sleep(SETTLE_S)
    assert len(bot_api.embeds("[BASELINE]")) == 1
    assert bot_api.embeds("[DEAD]") == []
    summary = bot_api.embeds("[BASELINE]")[0][1]["description"]
    assert all(f"old{i}: dead, exit 1" in summary for i in range(6)), summary
    assert "alive" not in summary
