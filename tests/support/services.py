"""Real services for integration tests: a private dockerd, a private redis-server.

Each runs as a child process of the test session with its own sockets and data directories,
so tests never touch the machine's shared Docker or Redis. Under CI=true a missing binary is a
failure, not a skip: a skipped integration suite must never look green.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import docker
import pytest
import redis

TEST_IMAGE = "sentinel-test/busybox:latest"
BUSYBOX_APPLETS = ("sh", "sleep", "true", "false", "echo", "cat", "kill", "ls", "date", "test")


def missing(what: str) -> None:
    """Fail under CI (a missing service must not pass quietly), skip visibly elsewhere."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true and {what}: the run must install and start it", pytrace=False)
    pytest.skip(what)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate, timeout_s: float, interval_s: float = 0.05, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(interval_s)


class RedisServer:
    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            missing("redis-server is not installed")
        self.dir = Path(tempfile.mkdtemp(prefix="sentinel-redis-"))
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._ping, 10, what="redis-server to answer")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def _ping(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class DockerDaemon:
    """A private dockerd: its own socket, data, exec root and pidfile; no bridge, no iptables."""

    def __init__(self, name: str = "d", extra_args: tuple[str, ...] = ()) -> None:
        if shutil.which("dockerd") is None:
            missing("dockerd is not installed (apt-get install docker.io)")
        if os.geteuid() != 0:
            missing("dockerd needs root")
        # Short paths: a unix socket path must stay under 108 bytes.
        self.dir = Path(tempfile.mkdtemp(prefix=f"s-{name}-", dir="/tmp"))
        self.sock = self.dir / "docker.sock"
        self.url = f"unix://{self.sock}"
        self.log = self.dir / "dockerd.log"
        command = [
            "dockerd", "-H", self.url, "--data-root", str(self.dir / "data"),
            "--exec-root", str(self.dir / "exec"), "--pidfile", str(self.dir / "docker.pid"),
            "--bridge=none", "--iptables=false", "--ip-forward=false", "--ip-masq=false",
            *extra_args,
        ]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until(self._ping, 60, 0.2, what=f"dockerd {name}")
        except AssertionError:
            self.stop()
            tail = self.log.read_text()[-3000:]
            raise AssertionError(f"dockerd did not start:\n{tail}") from None
        self.client = docker.DockerClient(base_url=self.url, timeout=30)
        self._import_test_image()

    def _ping(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"dockerd exited:\n{self.log.read_text()[-3000:]}")
        try:
            return docker.APIClient(base_url=self.url, timeout=2, version="1.41").ping()
        except Exception:  # noqa: BLE001 - not up yet, whatever the reason
            return False

    def _import_test_image(self) -> None:
        """No registry here: a busybox image made with `docker import` from the host's busybox."""
        busybox = shutil.which("busybox")
        if busybox is None:
            missing("busybox is not installed (apt-get install busybox-static)")
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w") as tar:
            tar.add(busybox, arcname="bin/busybox")
            for applet in BUSYBOX_APPLETS:
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
        repository, tag = TEST_IMAGE.split(":")
        self.client.api.import_image_from_data(data.getvalue(), repository=repository, tag=tag)

    def run(self, name: str, command: str = "sleep 3600", **kwargs):  # type: ignore[no-untyped-def]
        """A container on the `none` network (tests never touch a real network)."""
        kwargs.setdefault("network_mode", "none")
        return self.client.containers.run(TEST_IMAGE, command, name=name, detach=True, **kwargs)

    @staticmethod
    def crash(container, sig: int = signal.SIGKILL,  # type: ignore[no-untyped-def]
              wait: bool = True) -> None:
        """A crash, not a `docker kill`: the signal goes to the container's main process from
        the host, so Docker sees a death that nobody asked for (no kill event: not intent).
        With `wait`, returns once Docker reports it exited (as `docker kill` did)."""
        container.reload()
        os.kill(int(container.attrs["State"]["Pid"]), sig)
        if wait:
            def exited() -> bool:
                container.reload()
                return not container.attrs["State"]["Running"]
            wait_until(exited, 10, 0.02, what=f"{container.name} to exit")

    def remove_all_containers(self) -> None:
        for container in self.client.containers.list(all=True):
            container.remove(force=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # in case a test froze it
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        subprocess.run(["umount", "-R", str(self.dir / "exec")], capture_output=True)
        subprocess.run(["umount", "-R", str(self.dir / "data")], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
