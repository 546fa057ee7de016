"""`sentinel check`: inspect every host once, now, with no broker and no Redis.

Exit status (for cron and monitoring scripts): 0 everything is up, 1 something is down or a
host is unreachable, 2 invalid configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from sentinel.adapters.docker_inspector import DockerInspector, HostUnreachable
from sentinel.config import HostConfig, Settings
from sentinel.core.model import HostSnapshot
from sentinel.core.state_machine import classify
from workers.status_view import format_table, iso_z

MAX_PARALLEL_HOSTS = 32  # a hung host costs its timeout, never the others' time


@dataclass(frozen=True)
class HostCheck:
    host: HostConfig
    snapshot: HostSnapshot | None
    error: str | None


def _check(host: HostConfig) -> HostCheck:
    inspector = DockerInspector(host)
    try:
        return HostCheck(host, inspector.snapshot(), None)
    except HostUnreachable as exc:
        return HostCheck(host, None, str(exc))
    finally:
        inspector.close()


def run_check(settings: Settings, progress: Callable[[], None] | None = None
              ) -> tuple[str, int]:
    """The table to print and the exit status; `progress` is called as each host is done."""
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_HOSTS, len(settings.hosts))) as pool:
        futures = [pool.submit(_check, host) for host in settings.hosts.values()]
        for _ in as_completed(futures):
            if progress is not None:
                progress()
        checks = [f.result() for f in futures]
    rows: list[list[str]] = []
    problems = 0
    for check in checks:
        if check.snapshot is None:
            problems += 1
            rows.append([check.host.name, "-", "unreachable", "", check.error or ""])
            continue
        for obs in sorted(check.snapshot.containers, key=lambda o: o.name):
            status = classify(obs)
            if status is None:
                continue
            problems += status.is_down
            since = obs.started_at if status.value == "running" else obs.finished_at
            exit_code = "" if status.value in ("running", "paused") else str(obs.exit_code)
            rows.append([check.host.name, obs.name, status.value, exit_code, iso_z(since) or ""])
    table = format_table(rows, ["HOST", "CONTAINER", "STATUS", "EXIT", "SINCE / ERROR"])
    verdict = "all up" if not problems else f"{problems} problem(s)"
    return f"{table}\n\n{verdict}", 1 if problems else 0
