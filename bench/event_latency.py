"""Benchmark: death -> alert latency with Docker events, at a 30 s inspection interval (issue 4).

A real dockerd, real Redis, Celery worker, beat and `sentinel watch`; the bot API emulator.
Kills `--deaths` containers one after another and prints each latency (SIGKILL to the message
reaching the emulator), the median and the max.

    sudo .venv/bin/python -m bench.event_latency --deaths 10
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import redis

from tests.emulators.bot_api import BotApiEmulator
from tests.support.sentinel_procs import SENTINEL, SentinelProcesses
from tests.support.services import DockerDaemon, RedisServer, wait_until

HOST = "bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deaths", type=int, default=10)
    parser.add_argument("--interval", type=float, default=30.0)
    args = parser.parse_args()
    server, docker, bot = RedisServer(), DockerDaemon("evbench"), BotApiEmulator(token=None)
    procs = SentinelProcesses({"SENTINEL_REDIS_URL": server.url(0), "SENTINEL_CONFIG": "",
                               "SENTINEL_HOSTS": f"{HOST}={docker.url}",
                               "SENTINEL_INTERVAL_S": str(args.interval),
                               "SENTINEL_BOT_API_URL": bot.url})
    latencies: list[float] = []
    try:
        containers = [docker.run(f"ev{i:02d}") for i in range(args.deaths)]
        procs.worker()
        procs.beat()
        procs.start("watcher", [*SENTINEL, "watch"])
        state = redis.Redis.from_url(server.url(0))
        wait_until(lambda: state.hget(f"sentinel:host:{HOST}:meta", "baselined_at"), 60,
                   what="the first inspection")
        time.sleep(1.0)
        for i, container in enumerate(containers):
            killed_at = time.time()
            DockerDaemon.crash(container)
            shown = wait_until(lambda i=i: bot.embeds(f"[DEAD] ev{i:02d}"), 30,
                               what=f"the alert of ev{i:02d}")
            latencies.append(shown[0][0].at - killed_at)
            print(f"death {i + 1}: {latencies[-1]:.3f} s", flush=True)
            time.sleep(0.5)
    finally:
        procs.stop()
        bot.stop()
        docker.stop()
        server.stop()
    print(f"{len(latencies)} deaths at a {args.interval:g} s interval with events: median "
          f"{statistics.median(latencies):.3f} s, max {max(latencies):.3f} s")
    print(f"reproduce: sudo .venv/bin/python -m bench.event_latency --deaths {args.deaths} "
          f"--interval {args.interval:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
