"""Benchmark: Sentinel's CPU cost per container-check on a simulated fleet (issue 4).

Sentinel's whole process tree (prefork worker and its children, beat, and with --watch the
event watcher) inspects `--hosts` simulated Docker hosts of `--containers` containers each,
every `--interval` seconds. Measured over `--cycles` whole cycles after a warm-up: CPU seconds
of the tree (from /proc), divided by hosts x containers x cycles; and whether every host was
inspected in every cycle. The floor is the docker SDK listing the same hosts, nothing else.

    sudo .venv/bin/python -m bench.fleet_cpu --hosts 1000 --containers 50 --interval 30
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import docker
import redis

from tests.support.sentinel_procs import CELERY, REPO, SENTINEL, SentinelProcesses
from tests.support.services import RedisServer, wait_until

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_s(roots: list[int]) -> float:
    """utime + stime of the processes under `roots` (themselves included), from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    total = 0.0
    for pid, cpu in times.items():
        walk = pid
        while walk > 1:
            if walk in roots:
                total += cpu
                break
            walk = parents.get(walk, 0)
    return total


def floor_us(urls: list[str], containers: int, cycles: int) -> float:
    """CPU per container-check of the docker SDK listing the same hosts and nothing else."""
    clients = [docker.APIClient(base_url=u, version="auto", timeout=10) for u in urls]
    start = time.process_time()
    for _ in range(cycles):
        for client in clients:
            client.containers(all=True)
    return (time.process_time() - start) / (len(urls) * containers * cycles) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--containers", type=int, default=50)
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--watch", action="store_true", help="run the event watcher too")
    args = parser.parse_args()

    base = 21000  # ports base..base+hosts-1, below the ephemeral range (free_port picks there)
    sim = subprocess.Popen([sys.executable, "-m", "bench.engine_sim", "--hosts",
                            str(args.hosts), "--containers", str(args.containers),
                            "--base-port", str(base)], cwd=REPO)
    server = RedisServer()
    urls = [f"tcp://127.0.0.1:{base + i}" for i in range(args.hosts)]
    hosts = {f"h{i:04d}": u for i, u in enumerate(urls)}
    procs = SentinelProcesses({
        "SENTINEL_REDIS_URL": server.url(0), "SENTINEL_CONFIG": "",
        "SENTINEL_HOSTS": ",".join(f"{n}={u}" for n, u in hosts.items()),
        "SENTINEL_INTERVAL_S": str(args.interval), "SENTINEL_LOG_LEVEL": "WARNING"})
    state = redis.Redis.from_url(server.url(0))
    try:
        time.sleep(2)
        roots = [procs.start("worker", [*CELERY, "worker", "-Q", "inspect,alerts,notify,control",
                                        "-c", str(args.concurrency), "--loglevel", "WARNING"]).pid,
                 procs.beat().pid]
        if args.watch:
            roots.append(procs.start("watcher", [*SENTINEL, "watch"]).pid)
        wait_until(lambda: all(state.hget(f"sentinel:host:{n}:meta", "baselined_at")
                               for n in hosts), 600, 1.0, what="every host's first inspection")
        time.sleep(args.interval)  # warm-up: a steady cycle, caches full
        cpu_start, wall_start = tree_cpu_s(roots), time.time()
        complete_cycles = 0
        spreads: list[float] = []
        for _ in range(args.cycles):
            time.sleep(args.interval)
            cutoff = datetime.now(UTC).timestamp() - args.interval - 1.0
            lasts = [state.hget(f"sentinel:host:{n}:meta", "last_inspected_ts") for n in hosts]
            times = [float(v) for v in lasts if v and float(v) > cutoff]
            complete_cycles += len(times) == len(hosts)
            spread = max(times) - min(times) if times else float("nan")
            spreads.append(spread)
            print(f"cycle: {len(times)}/{len(hosts)} hosts inspected within the last interval; "
                  f"first to last inspection of the cycle: {spread:.1f} s", flush=True)
        cpu = tree_cpu_s(roots) - cpu_start
        wall = time.time() - wall_start
    finally:
        procs.stop()
        server.stop()
    checks = args.hosts * args.containers * args.cycles
    per_check_us = cpu / checks * 1e6
    try:
        floor = floor_us(urls, args.containers, args.cycles)
    finally:
        sim.terminate()
        sim.wait(10)
    print(f"{args.hosts} hosts x {args.containers} containers every {args.interval:g} s, "
          f"{args.cycles} cycles ({wall:.0f} s): Sentinel's process tree used {cpu:.1f} CPU s "
          f"= {per_check_us:.1f} us per container-check; every host inspected in "
          f"{complete_cycles}/{args.cycles} cycles")
    print("cycle time (first to last host inspected, per cycle): "
          + ", ".join(f"{x:.1f} s" for x in spreads))
    print(f"floor (docker SDK listing the same hosts): {floor:.1f} us per container-check; "
          f"ratio {per_check_us / floor:.1f}x")
    print(f"reproduce: sudo .venv/bin/python -m bench.fleet_cpu --hosts {args.hosts} "
          f"--containers {args.containers} --interval {args.interval:g} --cycles {args.cycles}"
          + (" --watch" if args.watch else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
