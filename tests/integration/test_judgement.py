"""Issue 5's acceptance on a real dockerd: cascades, intent, jobs, restart budgets and loops.

Sentinel runs as it does in production: worker, beat (30 s interval, so the Docker event
watcher is what sees these) and watcher, alerts through the bot API emulator.
"""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from tests.integration.conftest import HOST, MEASUREMENTS
from tests.integration.helpers import field, start_node
from tests.support.sentinel_procs import REPO, SENTINEL
from tests.support.services import DockerDaemon, wait_until

# Runs fine the first time (until crashed); every later start fails after a second.
FAILS_AFTER_FIRST_RUN = ("sh -c 'if [ -e /ran ]; then sleep 1; exit 1; fi; echo > /ran; "
                         "sleep 3600'")
CASCADE = {"genesis": "", "flux": "genesis", "pulse": "flux", "veil": "pulse"}


def compose_labels(project: str, service: str, depends_on: str) -> dict[str, str]:
    """What Compose v2 writes on a service's container (depends_on as `svc:condition:bool`)."""
    labels = {"com.docker.compose.project": project, "com.docker.compose.service": service,
              "com.docker.compose.container-number": "1", "com.docker.compose.oneoff": "False"}
    if depends_on:
        labels["com.docker.compose.depends_on"] = f"{depends_on}:service_started:false"
    return labels


def titles(bot_api) -> list[str]:  # type: ignore[no-untyped-def]
    return [embed.get("title", "") for _, embed in bot_api.embeds()]


def all_text(bot_api) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(message.payload) for message in bot_api.store.messages)


def watch_at_30_s(sentinel, redis_url: str, **env: str) -> None:  # type: ignore[no-untyped-def]
    sentinel.env.update({"SENTINEL_INTERVAL_S": "30", **env})
    sentinel.start("watcher", [*SENTINEL, "watch"])
    start_node(sentinel, redis_url, HOST)
    time.sleep(1.0)  # the watcher is following the stream


def test_a_compose_cascade_killed_dependents_first_is_one_incident_for_its_root(
        docker_host, sentinel, bot_api, redis_url):
    containers = {service: docker_host.run(f"shop-{service}-1",
                                           labels=compose_labels("shop", service, dep))
                  for service, dep in CASCADE.items()}
    lone = docker_host.run("bystander")
    watch_at_30_s(sentinel, redis_url)

    started = time.time()
    for service in ("veil", "pulse", "flux", "genesis"):  # dependents first
        DockerDaemon.crash(containers[service], wait=False)
        time.sleep(0.1)
    DockerDaemon.crash(lone, wait=False)  # unrelated: its own alert
    spread = time.time() - started
    assert spread < 0.5 + 0.2, spread

    shown = wait_until(lambda: bot_api.embeds("[DEAD] shop-genesis-1"), 15,
                       what="the incident for the root")
    MEASUREMENTS.append(f"4-container cascade: one incident {shown[0][0].at - started:.2f} s "
                        "after the first kill")
    incident = shown[0][1]
    assert field(incident, "Went down with it").split("\n") == [
        "shop-flux-1", "shop-pulse-1", "shop-veil-1"]
    wait_until(lambda: bot_api.embeds("[DEAD] bystander"), 10, what="the unrelated death")
    time.sleep(4)  # anything separate would have come by now
    dead_titles = [t for t in titles(bot_api) if t.startswith("[DEAD]")]
    assert sorted(dead_titles) == ["[DEAD] bystander", "[DEAD] shop-genesis-1"], dead_titles

    for container in containers.values():
        container.start()
    for service in CASCADE:
        wait_until(lambda s=service: bot_api.embeds(f"Recovered: shop-{s}-1"), 15,
                   what=f"the recovery of {service}")


def test_jobs_stops_and_unwatched_containers(docker_host, sentinel, bot_api, redis_url):
    job_ok = docker_host.run("job-ok", "sh -c 'sleep 4; exit 0'",
                             labels={"sentinel.oneshot": "true"})
    docker_host.run("job-bad", "sh -c 'sleep 4; exit 3'",
                              labels={"sentinel.oneshot": "true"})
    calm = docker_host.run("calm")
    hidden = docker_host.run("hidden", labels={"sentinel.enable": "false"})
    watch_at_30_s(sentinel, redis_url)

    calm.stop(timeout=1)  # sleep ignores TERM as pid 1: KILLed after the grace, exit 137
    DockerDaemon.crash(hidden)
    wait_until(lambda: bot_api.embeds("[DEAD] job-bad"), 15, what="the failed job")
    wait_until(lambda: bot_api.embeds("[STOPPED] calm"), 5, what="the stop notice")
    time.sleep(3)

    bad = bot_api.embeds("[DEAD] job-bad")
    assert len(bad) == 1 and field(bad[0][1], "Exit code").startswith("3")
    shown = titles(bot_api)
    assert not [t for t in shown if t.startswith("[DEAD] job-ok")], shown
    assert not [t for t in shown if t.startswith("[DEAD] calm")], shown
    assert "hidden" not in all_text(bot_api)
    job_ok.reload()
    assert job_ok.attrs["State"]["ExitCode"] == 0  # it did finish, quietly


def test_a_container_that_keeps_failing_is_restarted_with_backoff_then_given_up_on_once(
        docker_host, sentinel, bot_api, redis_url):
    failing = docker_host.run("failing", FAILS_AFTER_FIRST_RUN,
                              labels={"sentinel.restart": "on-failure"})
    watch_at_30_s(sentinel, redis_url, SENTINEL_RESTART_BACKOFF_S="0.5")
    DockerDaemon.crash(failing)
    failing.reload()
    first_start = failing.attrs["State"]["StartedAt"]

    gave_up = wait_until(lambda: bot_api.embeds("[GAVE UP] failing"), 40, what="GAVE UP")
    time.sleep(5)  # no more attempts, no second GAVE UP
    restarts = bot_api.embeds("[RESTARTING] failing")
    assert [field(e, "Attempt") for _, e in restarts] == [
        "attempt 1/3", "attempt 2/3", "attempt 3/3"]
    gaps = [b[0].at - a[0].at for a, b in zip(restarts, restarts[1:], strict=False)]
    assert gaps[1] > gaps[0], f"backoff grows: {gaps}"
    assert len(bot_api.embeds("[GAVE UP] failing")) == 1
    assert len(bot_api.embeds("[DEAD] failing")) == 1, "its deaths in between are not news"
    assert not bot_api.embeds("Recovered: failing")
    failing.reload()
    assert failing.attrs["State"]["Status"] == "exited"
    assert failing.attrs["State"]["StartedAt"] != first_start, "Sentinel did start it"
    MEASUREMENTS.append("auto-restart: attempts shown "
                        + ", ".join(f"{r[0].at - restarts[0][0].at:.1f}" for r in restarts)
                        + f" s apart from the first; GAVE UP at "
                          f"+{gave_up[0][0].at - restarts[0][0].at:.1f} s")


def test_a_crash_loop_under_dockers_restart_policy_is_one_restart_loop_never_restarted(
        docker_host, sentinel, bot_api, redis_url):
    looper = docker_host.run("looper", FAILS_AFTER_FIRST_RUN,
                             restart_policy={"Name": "always"},
                             labels={"sentinel.restart": "on-failure"})
    watch_at_30_s(sentinel, redis_url)
    DockerDaemon.crash(looper, wait=False)  # Docker restarts it at once
    wait_until(lambda: bot_api.embeds("[RESTART LOOP] looper"), 30, what="RESTART LOOP")
    time.sleep(8)  # Docker goes on restarting it
    looper.reload()
    assert looper.attrs["RestartCount"] >= 4
    assert len(bot_api.embeds("[RESTART LOOP] looper")) == 1
    assert not bot_api.embeds("[RESTARTING] looper"), "Docker restarts it, never Sentinel"
    assert "restarted by Sentinel" not in sentinel.logs()


def test_many_stops_at_once_are_quiet(docker_host, sentinel, bot_api, redis_url):
    """`compose down` style: every container stopped together; notices, no red."""
    crowd = [docker_host.run(f"crowd{i}") for i in range(6)]
    watch_at_30_s(sentinel, redis_url)
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda c: c.stop(timeout=1), crowd))
    wait_until(lambda: len(bot_api.embeds("[STOPPED] crowd")) == 6, 20, what="six notices")
    assert not [t for t in titles(bot_api) if t.startswith("[DEAD]")]


def sentinel_cli(sentinel, *args: str) -> str:  # type: ignore[no-untyped-def]
    done = subprocess.run([*SENTINEL, *args], cwd=REPO, env=sentinel.env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_silenced_project_is_tracked_quietly_and_its_end_says_what_changed(
        docker_host, sentinel, bot_api, redis_url):
    api = docker_host.run("shop-api-1", labels=compose_labels("shop", "api", ""))
    control = docker_host.run("control")
    watch_at_30_s(sentinel, redis_url)
    made = sentinel_cli(sentinel, "silence", f"{HOST}/shop", "--for", "1h", "--reason",
                        "deploying")
    silence_id = made.split(":")[0]
    assert "1 container(s) covered" in made, made

    DockerDaemon.crash(api)
    DockerDaemon.crash(control)
    wait_until(lambda: bot_api.embeds("[DEAD] control"), 10, what="the unsilenced death")
    time.sleep(2)
    assert not bot_api.embeds("[DEAD] shop-api-1"), "silenced"
    assert silence_id in sentinel_cli(sentinel, "silence", "list")

    sentinel_cli(sentinel, "silence", "end", silence_id)
    ended = wait_until(lambda: bot_api.embeds("[SILENCE ENDED]"), 20, what="the end report")
    assert "shop-api-1: running → dead (exit 137" in ended[0][1]["description"]
    assert "control" not in ended[0][1]["description"]
    assert "No silences." in sentinel_cli(sentinel, "silence", "list")


def test_a_container_still_dead_after_the_repeat_interval_gets_a_reminder(
        docker_host, sentinel, bot_api, redis_url):
    lonely = docker_host.run("lonely")
    watch_at_30_s(sentinel, redis_url, SENTINEL_REPEAT_INTERVAL_S="2")
    DockerDaemon.crash(lonely)
    wait_until(lambda: bot_api.embeds("[DEAD] lonely"), 10, what="the death")
    reminder = wait_until(lambda: bot_api.embeds("[STILL DEAD] lonely"), 25, what="a reminder")
    assert "has been down" in reminder[0][1]["description"]
    lonely.start()
    wait_until(lambda: bot_api.embeds("Recovered: lonely"), 10, what="the recovery")
    count = len(bot_api.embeds("[STILL DEAD] lonely"))
    time.sleep(12)  # more than a sweep: no reminder for a running container
    assert len(bot_api.embeds("[STILL DEAD] lonely")) == count
