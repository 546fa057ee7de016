"""Sentinel watching itself: is the inspection cycle complete, and is each role alive?

Pure: the facts (each host's last inspection, each role's last sign of life) come in, verdicts
go out; the I/O (Redis, the heartbeat URL) stays in the tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

# How long each role may stay silent before `sentinel status` flags it, in seconds:
# beat renews its lease every second and the watcher looks at its config every 2 s; a worker
# shows life with every task it runs (the sweep comes every 10 s).
ROLE_STALE_AFTER_S = {"beat": 15.0, "watcher": 15.0, "worker": 60.0}


@dataclass(frozen=True)
class CycleVerdict:
    ok: bool
    failing: list[str]  # hosts not inspected successfully within the cycle
    reason: str


def cycle_verdict(configured: list[str], inspected_at: Mapping[str, float | None],
                  failures: Mapping[str, int], now: float, interval_s: float) -> CycleVerdict:
    """The last cycle is complete when every configured host was inspected successfully
    within about one interval (a little slack for the schedule's spread)."""
    horizon = now - (interval_s * 1.5 + 2.0)
    failing = sorted(h for h in configured
                     if (inspected_at.get(h) or 0.0) < horizon or failures.get(h, 0) > 0)
    if not configured:
        return CycleVerdict(False, [], "no hosts configured")
    if failing:
        return CycleVerdict(False, failing, f"not inspected in the last cycle: "
                                            f"{', '.join(failing[:10])}"
                                            + (" ..." if len(failing) > 10 else ""))
    return CycleVerdict(True, [], f"all {len(configured)} host(s) inspected")


def heartbeat_url(base: str, ok: bool) -> str:
    """healthchecks.io style: the URL itself for success, `<url>/fail` otherwise."""
    return base if ok else base.rstrip("/") + "/fail"


@dataclass(frozen=True)
class RoleLife:
    role: str
    ident: str
    last_seen: datetime
    age_s: float
    stale: bool


def role_lives(signs: Mapping[str, float], now: float) -> list[RoleLife]:
    """`signs`: "role:ident" -> last sign of life (epoch seconds)."""
    lives = []
    for key, seen in sorted(signs.items()):
        role, _, ident = key.partition(":")
        age = max(0.0, now - seen)
        lives.append(RoleLife(role, ident, datetime.fromtimestamp(seen).astimezone(),
                              age, age > ROLE_STALE_AFTER_S.get(role, 60.0)))
    return lives
