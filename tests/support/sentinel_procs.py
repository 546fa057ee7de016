"""Sentinel's own processes (Celery worker, beat, `sentinel up`) as real subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SENTINEL = [sys.executable, "-m", "workers.cli"]
CELERY = [sys.executable, "-m", "celery", "-A", "workers.app"]


class SentinelProcesses:
    """Starts roles with one environment; stops them all (and shows their logs on failure)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.dir = Path(tempfile.mkdtemp(prefix="sentinel-procs-"))
        self.procs: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = self.dir / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        self.procs.append((name, proc, log))
        return proc

    def worker(self, name: str = "w1", concurrency: int = 2,
               via_celery: bool = False) -> subprocess.Popen[bytes]:
        """`sentinel worker ...`, or `celery -A workers.app worker ...` (both must work)."""
        base = [*CELERY, "worker", "-Q", "inspect,alerts,notify,control"] if via_celery else [
            *SENTINEL, "worker"]
        return self.start(name, [*base, "-c", str(concurrency), "-n", f"{name}@%h",
                                 "--loglevel", "INFO"])

    def beat(self, via_celery: bool = False) -> subprocess.Popen[bytes]:
        base = [*CELERY, "beat"] if via_celery else [*SENTINEL, "beat"]
        return self.start("beat", [*base, "--loglevel", "INFO",
                                   "-s", str(self.dir / "celerybeat-schedule")])

    def log(self, name: str) -> str:
        for n, _, path in self.procs:
            if n == name:
                return path.read_text(errors="replace")
        raise KeyError(name)

    def logs(self) -> str:
        return "\n".join(f"===== {n} =====\n{path.read_text(errors='replace')[-4000:]}"
                         for n, _, path in self.procs)

    def kill_all(self) -> None:
        """Every Sentinel process SIGKILLed at once, as a crash or a power cut would."""
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        for _, proc, _ in self.procs:
            proc.wait(20)

    def stop(self) -> None:
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc, _ in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
