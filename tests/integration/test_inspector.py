"""The inspector on a real dockerd: one listing per cycle, an inspect only where it changed."""

from __future__ import annotations

import time
from collections import Counter

from sentinel.adapters.docker_inspector import DockerInspector, HostUnreachable
from sentinel.config import HostConfig
from tests.support.services import DockerDaemon, wait_until


def counting(inspector: DockerInspector) -> Counter[str]:
    """Counts the Engine API calls the inspector makes, on its real client."""
    calls: Counter[str] = Counter()
    api = inspector._api()
    for method in ("containers", "inspect_container"):
        real = getattr(api, method)

        def spy(*args, _real=real, _name=method, **kwargs):  # type: ignore[no-untyped-def]
            calls[_name] += 1
            return _real(*args, **kwargs)

        setattr(api, method, spy)
    return calls


def test_a_steady_host_costs_one_listing_per_cycle_and_no_inspects(docker_host):
    containers = [docker_host.run(f"steady{i}") for i in range(5)]
    inspector = DockerInspector(HostConfig(name="it", url=docker_host.url))
    calls = counting(inspector)

    first = inspector.snapshot()
    assert calls == {"containers": 1, "inspect_container": 5}  # cold cache: each once
    assert sorted(o.name for o in first.containers) == [f"steady{i}" for i in range(5)]

    calls.clear()
    inspector.snapshot()
    inspector.snapshot()
    assert calls == {"containers": 2}  # nothing changed: no inspect at all

    DockerDaemon.crash(containers[2])
    wait_until(lambda: docker_host.client.containers.get("steady2").status == "exited", 10)
    calls.clear()
    after = inspector.snapshot()
    assert calls == {"containers": 1, "inspect_container": 1}  # only the one that changed
    dead = next(o for o in after.containers if o.name == "steady2")
    assert (dead.docker_state, dead.exit_code) == ("exited", 137)
    assert dead.finished_at is not None and dead.finished_at > dead.started_at


def test_labels_and_compose_identity_are_read_from_the_real_engine(docker_host):
    docker_host.run("hidden", labels={"sentinel.enable": "false"})
    docker_host.run("job", "true", labels={"sentinel.oneshot": "true",
                                           "sentinel.channel": "jobs"})
    docker_host.run("proj-web-1", labels={"com.docker.compose.project": "proj",
                                          "com.docker.compose.service": "web",
                                          "com.docker.compose.container-number": "1"})
    wait_until(lambda: docker_host.client.containers.get("job").status == "exited", 10)
    snapshot = DockerInspector(HostConfig(name="it", url=docker_host.url)).snapshot()
    by_name = {o.name: o for o in snapshot.containers}
    assert "hidden" not in by_name  # sentinel.enable=false is never even observed
    assert (by_name["job"].oneshot, by_name["job"].channel, by_name["job"].exit_code) == (
        True, "jobs", 0)
    assert by_name["proj-web-1"].key == "proj/web/1"
    assert by_name["proj-web-1"].compose_service == "web"


def test_a_missing_socket_is_unreachable_with_the_reason(tmp_path):
    inspector = DockerInspector(HostConfig(name="gone", url=f"unix://{tmp_path}/no.sock",
                                           timeout_s=2))
    try:
        inspector.snapshot()
    except HostUnreachable as exc:
        assert "No such file" in str(exc) or "Connection" in str(exc), str(exc)
    else:
        raise AssertionError("a missing socket must be unreachable")


def test_details_cached_before_a_restart_are_asked_for_again(docker_host):
    """The listing entry of a container restarted between two looks is the same (running);
    its uptime is not: the inspector must not reuse the start time it cached before."""
    phoenix = docker_host.run("phoenix-cache")
    inspector = DockerInspector(HostConfig(name="it", url=docker_host.url))
    before = inspector.snapshot().containers[0].started_at
    time.sleep(6)  # "Up 6 seconds": longer than a quick restart's uptime allows
    phoenix.restart(timeout=0)
    after = inspector.snapshot().containers[0]
    phoenix.reload()
    assert after.docker_state == "running"
    assert after.started_at is not None and before is not None and after.started_at > before
