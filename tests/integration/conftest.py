"""Integration fixtures: a private dockerd, a private Redis, the bot API emulator, and
Sentinel's processes, all real. Measurements are printed at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.emulators.bot_api import BotApiEmulator
from tests.support.sentinel_procs import SentinelProcesses
from tests.support.services import DockerDaemon, RedisServer

MEASUREMENTS: list[str] = []
HOST = "it"  # the name Sentinel knows the test dockerd by


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if MEASUREMENTS:
        terminalreporter.section("measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dockerd() -> Iterator[DockerDaemon]:
    daemon = DockerDaemon("it")
    yield daemon
    daemon.stop()


@pytest.fixture(scope="session")
def second_dockerd_session() -> Iterator[DockerDaemon]:
    daemon = DockerDaemon("it2")
    yield daemon
    daemon.stop()


@pytest.fixture
def second_dockerd(second_dockerd_session: DockerDaemon) -> DockerDaemon:
    """Another host, empty at the start of each test (multi-host tests)."""
    second_dockerd_session.remove_all_containers()
    return second_dockerd_session


@pytest.fixture
def docker_host(dockerd: DockerDaemon) -> DockerDaemon:
    """The test dockerd with no containers left from an earlier test."""
    dockerd.remove_all_containers()
    return dockerd


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    url = redis_server.url(0)
    redis.Redis.from_url(url).flushall()
    return url


@pytest.fixture
def bot_api() -> Iterator[BotApiEmulator]:
    emulator = BotApiEmulator(token="test-token")
    yield emulator
    emulator.stop()


@pytest.fixture
def sentinel_env(docker_host: DockerDaemon, redis_url: str, bot_api: BotApiEmulator
                 ) -> dict[str, str]:
    """Sentinel configured as a user would, by environment variables only."""
    return {
        "SENTINEL_REDIS_URL": redis_url,
        "SENTINEL_HOSTS": f"{HOST}={docker_host.url}",
        "SENTINEL_INTERVAL_S": "1",
        "SENTINEL_BOT_API_URL": bot_api.url,
        "SENTINEL_BOT_API_TOKEN": "test-token",
        "SENTINEL_OUTBOX_GRACE_S": "5",
        "SENTINEL_LOG_LEVEL": "DEBUG",
        "SENTINEL_CONFIG": "",
    }


@pytest.fixture
def sentinel(sentinel_env: dict[str, str], request: pytest.FixtureRequest
             ) -> Iterator[SentinelProcesses]:
    procs = SentinelProcesses(sentinel_env)
    yield procs
    procs.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(procs.logs())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
