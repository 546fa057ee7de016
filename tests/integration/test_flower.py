"""Flower, started the way the README says, lists Sentinel's tasks by their stable names with
readable arguments, behind basic auth from an environment variable."""

from __future__ import annotations

import time

import httpx

from tests.integration.conftest import HOST
from tests.integration.helpers import start_node
from tests.support.sentinel_procs import CELERY
from tests.support.services import DockerDaemon, free_port, wait_until

AUTH = ("operator", "s3cret-pass")


def test_flower_lists_the_projects_tasks(docker_host, sentinel, bot_api, redis_url):
    doomed = docker_host.run("doomed")
    port = free_port()
    sentinel.env.update({"SENTINEL_INTERVAL_S": "1", "SENTINEL_INSPECT_TASK_EVENTS": "true",
                         "FLOWER_BASIC_AUTH": ":".join(AUTH)})
    sentinel.start("flower", [*CELERY, "flower", f"--port={port}", "--address=127.0.0.1"])
    api = f"http://127.0.0.1:{port}/api"
    wait_until(lambda: _answers(f"{api}/workers"), 30, 0.5, what="Flower")
    start_node(sentinel, redis_url, HOST)
    time.sleep(2)  # Flower follows the events of a worker that started after it
    DockerDaemon.crash(doomed)
    wait_until(lambda: bot_api.embeds("[DEAD] doomed"), 10, what="the death")

    assert httpx.get(f"{api}/tasks", timeout=10).status_code == 401, "basic auth is on"

    def names() -> set[str]:
        tasks = httpx.get(f"{api}/tasks", auth=AUTH, timeout=10).json()
        return {t.get("name") for t in tasks.values()}

    wanted = {"inspect_host", "record_observations", "deliver_alert", "sweep_outbox",
              "heartbeat"}
    wait_until(lambda: wanted <= names(), 30, 0.5, what=f"Flower listing {wanted}")
    tasks = httpx.get(f"{api}/tasks", auth=AUTH, timeout=10).json()
    shown = [t["args"] for t in tasks.values() if t.get("name") == "record_observations"]
    assert any("container(s) at" in args and "doomed" in args for args in shown), shown[:3]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, auth=AUTH, timeout=3).status_code == 200
    except httpx.HTTPError:
        return False
