"""The beat schedule: one inspection per configured host every interval, plus the outbox sweep.

Pure: settings in, Celery's `beat_schedule` dict out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

SWEEP_INTERVAL_S = 10.0


def build_beat_schedule(hosts: Iterable[str], interval_s: float,
                        sweep_interval_s: float = SWEEP_INTERVAL_S) -> dict[str, dict[str, Any]]:
    """Each inspection expires after one interval: when workers are down, a backlog of stale
    inspections never piles up; the next fresh one replaces them."""
    schedule: dict[str, dict[str, Any]] = {
        f"inspect:{host}": {
            "task": "inspect_host",
            "schedule": timedelta(seconds=interval_s),
            "args": (host,),
            "options": {"queue": "inspect", "expires": interval_s},
        }
        for host in hosts
    }
    # The dead-man's switch and the record of complete cycles (tasks/heartbeat.py).
    schedule["heartbeat"] = {
        "task": "heartbeat",
        "schedule": timedelta(seconds=interval_s),
        "options": {"queue": "alerts", "expires": interval_s},
    }
    schedule["sweep-outbox"] = {
        "task": "sweep_outbox",
        "schedule": timedelta(seconds=sweep_interval_s),
        "options": {"queue": "alerts", "expires": sweep_interval_s},
    }
    return schedule
