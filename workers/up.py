"""`sentinel up`: one node, one foreground command: worker (all queues), beat, event watcher.

A small supervisor rather than Celery's embedded beat (`worker -B`) so that every role runs as
the same process it would be in a fleet, and so that later roles (event watchers) join the same
way. Ctrl-C or SIGTERM stops all of them cleanly; if one dies, the others are stopped too.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import redis

from sentinel.config import Settings, redact_url
from sentinel.queues import ALL_QUEUES

STOP_GRACE_S = 20.0
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    path = Path(base) / "sentinel"
    path.mkdir(parents=True, exist_ok=True)
    return path


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except (redis.RedisError, OSError):
        return False


def start_private_redis(url: str, say: Callable[[str], None]) -> subprocess.Popen[bytes] | None:
    """CONTRACT.md: no Redis at the URL and redis-server on PATH -> start a private one."""
    parts = urlsplit(url)
    server = shutil.which("redis-server")
    if parts.scheme != "redis" or (parts.hostname or "") not in LOCAL_HOSTS or server is None:
        return None
    port = parts.port or 6379
    data = state_dir() / "redis"
    data.mkdir(parents=True, exist_ok=True)
    say(f"No Redis answers at {redact_url(url)}: starting a private redis-server on "
        f"127.0.0.1:{port} (data in {data}).")
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--appendonly", "yes", "--save", "", "--logfile", str(data / "redis.log")],
        stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if redis_answers(url):
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"the private redis-server did not start (see {data / 'redis.log'})")


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "workers.app", *args]


def run_up(settings: Settings, *, loglevel: str, concurrency: int | None,
           say: Callable[[str], None]) -> int:
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    private_redis = None
    if not redis_answers(settings.redis_url):
        try:
            private_redis = start_private_redis(settings.redis_url, say)
        except RuntimeError as exc:
            say(f"sentinel up: {exc}")
            return 1
        if private_redis is None:
            say(f"sentinel up: no Redis answers at {redact_url(settings.redis_url)} "
                "(and no local redis-server to start): set SENTINEL_REDIS_URL")
            return 1

    worker_args = ["worker", "-Q", ALL_QUEUES, "--loglevel", loglevel,
                   "-n", f"sentinel@{socket.gethostname()}"]
    if concurrency:
        worker_args += ["-c", str(concurrency)]
    roles = {
        "worker": celery_command(*worker_args),
        "beat": celery_command("beat", "--loglevel", loglevel,
                               "-s", str(state_dir() / "celerybeat-schedule")),
        "watcher": [sys.executable, "-m", "workers.cli", "watch"],
    }
    hosts = ", ".join(f"{h.name} ({redact_url(h.url)})" for h in settings.hosts.values())
    say(f"Sentinel is watching {hosts} every {settings.interval_s:g}s; alerts go to "
        f"{settings.effective_notifier.value}. Ctrl-C stops it.")

    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    exit_code = 0
    try:
        for role, command in roles.items():
            # Own process group: the terminal's Ctrl-C reaches only us, and we stop them in order.
            children.append((role, subprocess.Popen(command, start_new_session=True)))
        while not stopping:
            for role, proc in children:
                if proc.poll() is not None:
                    say(f"sentinel up: the {role} exited with status {proc.returncode}; stopping")
                    stopping, exit_code = True, 1
                    break
            time.sleep(0.2)
    finally:
        _stop_all([p for _, p in children])
        if private_redis is not None:  # last: the others may still write while they stop
            _stop_all([private_redis])
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code


def _stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
