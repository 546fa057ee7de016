"""The `sentinel` command line, run as a user runs it, against real dockerd and Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import redis

from tests.integration.conftest import HOST
from tests.support.sentinel_procs import REPO, SENTINEL
from tests.support.services import DockerDaemon, free_port, wait_until


def run(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*SENTINEL, *args], cwd=REPO, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout)


def test_check_exits_0_when_all_run_and_1_with_a_table_when_one_is_dead(docker_host,
                                                                       sentinel_env):
    docker_host.run("alpha")
    first = run(sentinel_env, "check")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "alpha" in first.stdout and "running" in first.stdout

    docker_host.run("beta", "sh -c 'exit 7'")
    wait_until(lambda: docker_host.client.containers.get("beta").status == "exited", 10)
    second = run(sentinel_env, "check")
    assert second.returncode == 1
    beta = next(line for line in second.stdout.splitlines() if " beta " in f" {line} ")
    assert beta.split()[:4] == [HOST, "beta", "dead", "7"]


def test_check_reports_an_unreachable_host_and_exits_1(sentinel_env, tmp_path):
    env = {**sentinel_env, "SENTINEL_HOSTS": f"gone=unix://{tmp_path}/nothing.sock"}
    result = run(env, "check")
    assert result.returncode == 1
    assert "gone" in result.stdout and "unreachable" in result.stdout


def test_invalid_configuration_exits_2_with_one_line_naming_the_setting(sentinel_env):
    cases = {
        "SENTINEL_INTERVAL_S": "-1",
        "SENTINEL_HOSTS": "nonsense",
        "SENTINEL_NOTIFIER": "carrier-pigeon",
    }
    for setting, value in cases.items():
        for command in ("check", "status", "config", "worker", "up"):
            result = run({**sentinel_env, setting: value}, command)
            assert result.returncode == 2, (setting, command, result.stderr)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and setting in lines[0], (setting, command, lines)


def test_config_prints_the_effective_configuration_without_secrets(sentinel_env):
    env = {**sentinel_env, "SENTINEL_BOT_API_TOKEN": "very-secret-token",
           "SENTINEL_REDIS_URL": sentinel_env["SENTINEL_REDIS_URL"].replace(
               "redis://", "redis://:hunter2@")}
    result = run(env, "config", "--json")
    assert result.returncode == 0
    shown = json.loads(result.stdout)
    assert shown["notifier"] == "botapi"
    assert shown["bot_api_token"] == "***"
    assert "very-secret-token" not in result.stdout and "hunter2" not in result.stdout
    assert shown["hosts"][HOST]["url"] == sentinel_env["SENTINEL_HOSTS"].split("=", 1)[1]


def test_status_json_follows_the_contract(docker_host, sentinel, sentinel_env, redis_url):
    docker_host.run("steady")
    docker_host.run("fallen", "sh -c 'exit 2'")
    sentinel.worker()
    sentinel.beat()
    wait_until(lambda: json.loads(run(sentinel_env, "status", "--json").stdout)["containers"],
               30, 0.5, what="containers in status")
    report = json.loads(run(sentinel_env, "status", "--json").stdout)
    assert set(report) >= {"hosts", "containers", "dead_letters"}
    host = report["hosts"][0]
    assert (host["name"], host["status"], host["containers"]) == (HOST, "up", 2)
    assert host["last_inspected_at"].endswith("Z")
    by_name = {c["name"]: c for c in report["containers"]}
    assert by_name["steady"]["status"] == "running" and by_name["steady"]["exit_code"] is None
    assert by_name["fallen"]["status"] == "dead" and by_name["fallen"]["exit_code"] == 2
    assert len(by_name["steady"]["id"]) == 12
    assert report["dead_letters"] == 0
    table = run(sentinel_env, "status").stdout
    assert "fallen" in table and "steady" not in table  # the table lists what is not running


def test_test_alert_reports_success_and_each_failure_clearly(sentinel_env, bot_api):
    ok = run(sentinel_env, "test-alert")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "sent via botapi" in ok.stdout and "#sentinel-alerts" in ok.stdout
    assert bot_api.embeds("[TEST] Sentinel")

    bad_token = run({**sentinel_env, "SENTINEL_BOT_API_TOKEN": "tok-3f9a-not-valid"},
                    "test-alert")
    assert bad_token.returncode == 1
    assert "401" in bad_token.stdout and "SENTINEL_BOT_API_TOKEN" in bad_token.stdout
    assert "tok-3f9a" not in bad_token.stdout + bad_token.stderr

    unreachable = run({**sentinel_env, "SENTINEL_BOT_API_URL": f"http://127.0.0.1:{free_port()}"},
                      "test-alert")
    assert unreachable.returncode == 1
    assert "ConnectError" in unreachable.stdout

    console = run({**sentinel_env, "SENTINEL_NOTIFIER": "console"}, "test-alert")
    assert console.returncode == 0
    assert "[TEST] Sentinel" in console.stdout


def test_up_runs_a_whole_node_alerts_on_the_console_and_stops_cleanly(docker_host, redis_url,
                                                                     tmp_path):
    """As a new user: zero notifier configuration, no Redis at the URL (so `up` starts its
    own), a container killed by hand, the alert on the console, Ctrl-C stops everything."""
    port = free_port()
    env = {**os.environ, "SENTINEL_HOSTS": f"{HOST}={docker_host.url}",
           "SENTINEL_INTERVAL_S": "1", "SENTINEL_REDIS_URL": f"redis://127.0.0.1:{port}/0",
           "XDG_STATE_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    for key in [k for k in env if k.startswith("SENTINEL_BOT") or k == "SENTINEL_NOTIFIER"]:
        del env[key]
    victim = docker_host.run("victim")
    out, err = tmp_path / "up.out", tmp_path / "up.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        up = subprocess.Popen([*SENTINEL, "up"], cwd=REPO, env=env, stdout=stdout,
                              stderr=stderr, start_new_session=True)
    try:
        wait_until(lambda: redis.Redis(port=port).hget(f"sentinel:host:{HOST}:meta",
                                                       "baselined_at")
                   if _answers(port) else None, 60, 0.2, what="sentinel up's first inspection")
        assert "starting a private redis-server" in err.read_text()
        DockerDaemon.crash(victim)
        wait_until(lambda: "[DEAD] victim" in out.read_text(), 15, what="the console alert")
        text = out.read_text()
        assert "Exit code: 137 (SIGKILL)" in text
        assert text.count("[DEAD] victim") == 1
        # up, worker + its pool, beat, redis-server: the check below can see them while alive.
        assert len(_processes_with_env(f"XDG_STATE_HOME={tmp_path}")) >= 4
    finally:
        os.killpg(up.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        code = up.wait(40)
    assert code == 0, err.read_text()[-2000:]
    time.sleep(0.5)
    assert _processes_with_env(f"XDG_STATE_HOME={tmp_path}") == [], \
        "a child of `sentinel up` outlived it"
    assert not _answers(port), "the private redis-server outlived `sentinel up`"


def _processes_with_env(marker: str) -> list[int]:
    """Every live process whose environment holds `marker` (children inherit it)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as env:
                if marker.encode() in env.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def _answers(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=0.3).ping())
    except redis.RedisError:
        return False


def test_test_alert_works_through_discord_and_a_webhook_and_says_what_went_wrong(
        sentinel_env, tmp_path):
    from tests.emulators.discord_api import DiscordEmulator
    from tests.support.scenarios import discord_env

    discord = DiscordEmulator()
    try:
        env = {**sentinel_env, **discord_env(discord)}
        ok = run(env, "test-alert")
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "sent via discord to #sentinel-alerts in guild" in ok.stdout
        assert discord.store.titled("[TEST] Sentinel")

        bad = run({**env, "SENTINEL_DISCORD_TOKEN": "tok-9c1e-not-valid"}, "test-alert")
        assert bad.returncode == 1
        assert "401" in bad.stdout and "SENTINEL_DISCORD_TOKEN" in bad.stdout
        assert "tok-9c1e" not in bad.stdout + bad.stderr

        created = run({**env, "SENTINEL_ALERT_CHANNEL": "new-channel"}, "test-alert")
        assert created.returncode == 0 and "new-channel" in discord.store.channels
        discord.rules.can_create_channels = False
        unknown = run({**env, "SENTINEL_ALERT_CHANNEL": "still-missing"}, "test-alert")
        assert unknown.returncode == 1
        assert "create channel #still-missing" in unknown.stdout
        assert "Missing Permissions" in unknown.stdout

        webhook_url = discord.create_webhook()
        hook_env = {**sentinel_env, "SENTINEL_NOTIFIER": "webhook",
                    "SENTINEL_DISCORD_WEBHOOK_URL": webhook_url}
        sent = run(hook_env, "test-alert")
        assert sent.returncode == 0 and "sent via webhook" in sent.stdout, sent.stdout
        discord.delete_webhook(webhook_url)
        gone = run(hook_env, "test-alert")
        assert gone.returncode == 1 and "no longer exists (404)" in gone.stdout
        assert webhook_url.rsplit("/", 1)[1] not in gone.stdout + gone.stderr

        unreachable = run({**hook_env, "SENTINEL_DISCORD_WEBHOOK_URL":
                           f"http://127.0.0.1:{free_port()}/api/webhooks/1/abc"}, "test-alert")
        assert unreachable.returncode == 1 and "ConnectError" in unreachable.stdout
    finally:
        discord.stop()


def test_deadletters_lists_the_reason_and_retry_sends_them_again(docker_host, sentinel,
                                                                 sentinel_env, bot_api,
                                                                 redis_url):
    from tests.integration.helpers import start_node, store_for

    doomed = docker_host.run("doomed")
    start_node(sentinel, redis_url, HOST)
    bot_api.script(("status", 400))
    DockerDaemon.crash(doomed)
    store = store_for(redis_url)
    wait_until(lambda: store.dead_letter_count() == 1, 20, what="a dead letter")
    listed = run(sentinel_env, "deadletters")
    assert listed.returncode == 0 and "doomed" in listed.stdout and "400" in listed.stdout
    status = json.loads(run(sentinel_env, "status", "--json").stdout)
    assert status["dead_letters"] == 1

    retried = run(sentinel_env, "deadletters", "--retry")
    assert retried.returncode == 0 and "1 alert(s) queued" in retried.stdout
    wait_until(lambda: bot_api.messages("[DEAD] doomed"), 20, what="the re-sent alert")
    assert store.dead_letter_count() == 0
    assert len(bot_api.messages("[DEAD] doomed")) == 1
