"""Scenarios shared by integration tests (which assert) and benchmarks (which print)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import redis

from tests.emulators.discord_api import DiscordEmulator
from tests.support.sentinel_procs import SentinelProcesses
from tests.support.services import DockerDaemon, wait_until


def discord_env(emulator: DiscordEmulator) -> dict[str, str]:
    return {"SENTINEL_NOTIFIER": "discord", "SENTINEL_DISCORD_TOKEN": emulator.token,
            "SENTINEL_DISCORD_GUILD_ID": emulator.guild_id,
            "SENTINEL_DISCORD_API_BASE": emulator.api_base}


@dataclass(frozen=True)
class BurstResult:
    deaths: int
    shown: dict[str, int]  # container name -> how many times its death was shown
    messages: int
    seconds_to_last: float  # from the kills to the last death shown
    seconds_to_first: float
    status_429: int
    status_400: int


def death_burst(docker: DockerDaemon, emulator: DiscordEmulator, procs: SentinelProcesses,
                redis_url: str, host: str, count: int = 40, settle_s: float = 5.0
                ) -> BurstResult:
    """`count` containers killed at once; Sentinel (worker + beat) tells Discord."""
    names = [f"burst{i:02d}" for i in range(count)]
    with ThreadPoolExecutor(8) as pool:
        containers = list(pool.map(docker.run, names))
    procs.worker(concurrency=2)
    procs.beat()
    state = redis.Redis.from_url(redis_url)
    wait_until(lambda: state.hget(f"sentinel:host:{host}:meta", "baselined_at"), 60, 0.1,
               what="the first inspection")
    before = len(emulator.store.messages)

    killed_at = time.time()
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda c: DockerDaemon.crash(c, wait=False), containers))

    def deaths_shown() -> dict[str, int]:
        shown = {n: 0 for n in names}
        for message in emulator.store.messages[before:]:
            for embed in message.payload.get("embeds", []):
                title = embed.get("title", "")
                lines = [title] if not title.startswith("+") else \
                    embed.get("description", "").splitlines()
                for line in lines:
                    name = line.removeprefix("[DEAD] ").split(" on ")[0].replace("\\_", "_")
                    if line.startswith("[DEAD] ") and name in shown:
                        shown[name] += 1
        return shown

    try:
        wait_until(lambda: all(deaths_shown().values()), 120, 0.05, what="every death shown")
    except AssertionError:
        missing = sorted(n for n, k in deaths_shown().items() if not k)
        states = {c.name: docker.client.containers.get(c.id).status for c in containers
                  if c.name in missing[:5]}
        raise AssertionError(
            f"{len(missing)} death(s) never shown, e.g. {missing[:5]} (docker says {states}); "
            f"{len(emulator.store.messages) - before} messages, answers "
            f"{emulator.status_counts}\n{procs.logs()[-3000:]}") from None
    messages = emulator.store.messages[before:]
    last = max(m.at for m in messages)
    time.sleep(settle_s)  # anything shown twice would arrive now
    return BurstResult(deaths=count, shown=deaths_shown(),
                       messages=len(emulator.store.messages) - before,
                       seconds_to_last=last - killed_at,
                       seconds_to_first=min(m.at for m in messages) - killed_at,
                       status_429=emulator.count(429), status_400=emulator.count(400))
