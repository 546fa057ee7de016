"""Issue 6: Sentinel watching itself: the heartbeat, metrics, liveness, and the catch-up after
its own outage. All real: worker, beat, Redis, dockerd; the heartbeat receiver is a local
HTTP server."""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.conftest import HOST, MEASUREMENTS
from tests.integration.helpers import start_node
from tests.support.sentinel_procs import REPO, SENTINEL
from tests.support.services import DockerDaemon, free_port, wait_until


class PingReceiver:
    """healthchecks.io in miniature: counts GETs by path."""

    def __init__(self) -> None:
        self.hits: list[tuple[float, str]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                receiver.hits.append((time.time(), self.path))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *_: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ping/abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self, path: str, since: float = 0.0) -> int:
        return sum(1 for at, p in self.hits if p == path and at >= since)


@pytest.fixture
def pings() -> Iterator[PingReceiver]:
    receiver = PingReceiver()
    yield receiver
    receiver.server.shutdown()


def test_heartbeat_pings_every_cycle_and_metrics_serve_the_fleet(
        docker_host, sentinel, bot_api, redis_url, pings):
    docker_host.run("steady")
    victim = docker_host.run("victim")
    port = free_port()
    sentinel.env.update({"SENTINEL_INTERVAL_S": "1", "SENTINEL_HEARTBEAT_URL": pings.url,
                         "SENTINEL_METRICS_PORT": str(port)})
    start_node(sentinel, redis_url, HOST)
    wait_until(lambda: pings.count("/ping/abc") >= 1, 15, what="the first ping")
    start = time.time()
    time.sleep(10)
    ok = pings.count("/ping/abc", start)
    MEASUREMENTS.append(f"heartbeat at a 1 s interval: {ok} pings in 10 s, "
                        f"{pings.count('/ping/abc/fail', start)} /fail")
    assert ok >= 4, pings.hits
    assert pings.count("/ping/abc/fail", start) == 0

    DockerDaemon.crash(victim)
    wait_until(lambda: bot_api.embeds("[DEAD] victim"), 10, what="the death")
    text = wait_until(lambda: _metrics(port), 10, what="/metrics")
    for line in ('sentinel_hosts{status="up"} 1.0', 'sentinel_containers{status="running"} 1.0',
                 'sentinel_containers{status="dead"} 1.0', 'sentinel_alerts_total{kind="dead"} 1.0',
                 "sentinel_messages_sent_total", "sentinel_delivery_attempts_total",
                 "sentinel_dead_letters 0.0", 'sentinel_queue_depth{queue="inspect"}',
                 f'sentinel_inspection_duration_seconds{{host="{HOST}"}}',
                 'sentinel_role_last_seen_seconds{ident='):
        assert line in text, f"{line!r} not in:\n{text}"

    status = json.loads(_cli(sentinel, "status", "--json"))
    roles = {r["role"]: r for r in status["roles"]}
    assert {"beat", "worker"} <= set(roles) and not any(r["stale"] for r in roles.values())
    assert status["last_cycle_at"] is not None


def test_a_host_that_could_not_be_inspected_makes_the_ping_a_fail(
        docker_host, sentinel, redis_url, pings):
    sentinel.env.update({"SENTINEL_INTERVAL_S": "1", "SENTINEL_HEARTBEAT_URL": pings.url,
                         "SENTINEL_HOSTS": f"{HOST}={docker_host.url},"
                                           f"ghost=tcp://127.0.0.1:{free_port()}"})
    start_node(sentinel, redis_url, HOST)
    wait_until(lambda: pings.count("/ping/abc/fail") >= 2, 20, what="/fail pings")
    assert pings.count("/ping/abc") == 0


def test_after_its_own_outage_sentinel_reports_what_died_and_how_long_it_was_blind(
        docker_host, sentinel, bot_api, redis_url):
    docker_host.run("survivor")
    casualty = docker_host.run("casualty")
    sentinel.env.update({"SENTINEL_INTERVAL_S": "1", "SENTINEL_BEAT_LEASE_S": "2"})
    start_node(sentinel, redis_url, HOST)
    status = lambda: json.loads(_cli(sentinel, "status", "--json"))  # noqa: E731
    wait_until(lambda: status()["last_cycle_at"], 15, what="a complete cycle")

    sentinel.kill_all()  # every Sentinel process, at once
    DockerDaemon.crash(casualty)
    casualty.reload()
    died_at = casualty.attrs["State"]["FinishedAt"][:19]
    time.sleep(12)  # blind for longer than a few intervals
    sentinel.worker(name="w2")
    sentinel.beat()

    dead = wait_until(lambda: bot_api.embeds("[DEAD] casualty"), 30, what="the DEAD")
    assert dead[0][1]["timestamp"][:19] == died_at, "dated by its real finish time"
    blind = wait_until(lambda: bot_api.embeds("Sentinel was blind for"), 30,
                       what="the blind notice")
    notice = blind[0][1]
    assert "casualty" in notice["description"] and "survivor" not in notice["description"]
    shown = re.fullmatch(r"Sentinel was blind for ~(\d+)s", notice["title"])
    assert shown and 12 <= int(shown.group(1)) <= 59, notice["title"]
    MEASUREMENTS.append(f"after its own outage: {notice['title']!r}, listing "
                        f"{notice['description'].count('•')} change(s)")
    time.sleep(3)
    assert len(bot_api.embeds("Sentinel was blind for")) == 1
    assert len(bot_api.embeds("[DEAD] casualty")) == 1


def _metrics(port: int) -> str | None:
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    except httpx.HTTPError:
        return None
    return answer.text if answer.status_code == 200 else None


def _cli(sentinel, *args: str) -> str:  # type: ignore[no-untyped-def]
    done = subprocess.run([*SENTINEL, *args], cwd=REPO, env=sentinel.env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
