"""Benchmark: a burst of container deaths delivered to Discord (issue 3).

Real dockerd, real Redis, real Celery worker and beat (1 s interval), the Discord emulator with
Discord's usual channel bucket of 5 messages per 5 s. Prints deaths, messages, seconds, 429s.

    sudo .venv/bin/python -m bench.burst            # 40 deaths, 3 runs
    sudo .venv/bin/python -m bench.burst --deaths 200 --runs 1
"""

from __future__ import annotations

import argparse
import statistics
import sys

import redis

from tests.emulators.discord_api import DiscordEmulator
from tests.support.scenarios import death_burst, discord_env
from tests.support.sentinel_procs import SentinelProcesses
from tests.support.services import DockerDaemon, RedisServer

HOST = "bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deaths", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    server, docker = RedisServer(), DockerDaemon("bench")
    rows = []
    try:
        for run in range(1, args.runs + 1):
            docker.remove_all_containers()
            url = server.url(0)
            redis.Redis.from_url(url).flushall()
            emulator = DiscordEmulator()
            procs = SentinelProcesses({"SENTINEL_REDIS_URL": url,
                                       "SENTINEL_HOSTS": f"{HOST}={docker.url}",
                                       "SENTINEL_INTERVAL_S": "1", "SENTINEL_CONFIG": "",
                                       **discord_env(emulator)})
            try:
                result = death_burst(docker, emulator, procs, url, HOST, count=args.deaths)
            finally:
                procs.stop()
                emulator.stop()
            twice = sum(1 for n in result.shown.values() if n != 1)
            rows.append(result)
            print(f"run {run}: {result.deaths} deaths, {result.messages} messages, "
                  f"first shown {result.seconds_to_first:.2f} s, all shown "
                  f"{result.seconds_to_last:.2f} s after the kills, {result.status_429} x 429, "
                  f"{result.status_400} x 400, {twice} shown other than once", flush=True)
    finally:
        docker.stop()
        server.stop()
    print(f"median over {len(rows)} run(s): "
          f"{statistics.median(r.messages for r in rows):g} messages, "
          f"{statistics.median(r.seconds_to_last for r in rows):.2f} s to the last death; "
          f"429s in total: {sum(r.status_429 for r in rows)}")
    print(f"reproduce: sudo .venv/bin/python -m bench.burst --deaths {args.deaths} "
          f"--runs {args.runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
