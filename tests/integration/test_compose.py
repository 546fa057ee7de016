"""compose.yml, validated with Debian's docker-compose (`config`), and read for what issue 6
asks of it: every service with a healthcheck and a restart policy, the queues split, the
Docker socket read-only where only reading is needed, Flower behind basic auth with events."""

from __future__ import annotations

import os
import shutil
import subprocess

import yaml

from tests.support.sentinel_procs import REPO
from tests.support.services import missing


def config(*files: str, **env: str) -> dict:
    if shutil.which("docker-compose") is None:
        missing("docker-compose is not installed (apt-get install docker-compose)")
    args = [a for f in files for a in ("-f", f)]
    done = subprocess.run(["docker-compose", *args, "config"], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "FLOWER_BASIC_AUTH": "u:p", **env},
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)  # docker-compose 1.x prints YAML only


def test_compose_yml_is_valid_and_every_service_is_watched_and_restarted() -> None:
    services = config("compose.yml")["services"]
    assert set(services) >= {"redis", "beat", "inspect-worker", "alerts-worker",
                             "notify-worker", "control-worker", "watcher", "flower"}
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", name
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert "--appendonly" in services["redis"]["command"]
    queues = {n: s["command"][s["command"].index("-Q") + 1] for n, s in services.items()
              if "worker" in n}
    assert sorted(queues.values()) == ["alerts", "control", "inspect", "notify"]
    for reader in ("inspect-worker", "watcher"):
        assert all(v.endswith(":ro") for v in _volumes(services[reader])), reader
    assert not any(v.endswith(":ro") for v in _volumes(services["control-worker"]))
    for name in ("alerts-worker", "notify-worker", "beat", "flower"):
        assert not _volumes(services[name]), f"{name} needs no Docker socket"
    flower = services["flower"]
    assert flower["environment"]["FLOWER_BASIC_AUTH"] == "u:p"
    assert flower["environment"]["SENTINEL_INSPECT_TASK_EVENTS"] == "true"


def test_flower_will_not_start_without_basic_auth() -> None:
    done = subprocess.run(["docker-compose", "-f", "compose.yml", "config", "-q"], cwd=REPO,
                          capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "FLOWER_BASIC_AUTH"})
    assert done.returncode != 0 and "FLOWER_BASIC_AUTH" in done.stderr


def test_the_local_override_puts_everything_on_loopback() -> None:
    services = config("compose.yml", "compose.local.yml", SENTINEL_BASE_IMAGE="base")["services"]
    assert all(s.get("network_mode") == "host" for s in services.values())
    assert services["redis"]["image"] == "base"
    assert {s["environment"]["SENTINEL_REDIS_URL"] for n, s in services.items()
            if n != "redis"} == {"redis://127.0.0.1:16379/0"}


def _volumes(service: dict) -> list[str]:
    found = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            found.append(volume)
        else:
            found.append(f"{volume['source']}:{volume['target']}"
                         + (":ro" if volume.get("read_only") else ""))
    return [v for v in found if "docker.sock" in v]

