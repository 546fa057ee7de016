"""The knobs of Sentinel's judgement (issue 5), as plain values for the pure decisions.

Built from the settings by the I/O layer; the core never reads settings itself, so every
decision is a function of its inputs and table-testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OnStop(StrEnum):
    NOTICE = "notice"  # a quiet grey `[STOPPED] name`
    SILENT = "silent"  # nothing at all


@dataclass(frozen=True)
class Judgement:
    # Deaths connected in the dependency graph within this window become one incident.
    incident_window_s: float = 3.0
    on_stop: OnStop = OnStop.NOTICE
    # This many deaths inside loop_window_s: one [RESTART LOOP] / [FLAPPING], then quiet
    # until it has run loop_quiet_s without dying.
    loop_deaths: int = 3
    loop_window_s: float = 600.0
    loop_quiet_s: float = 120.0
    # Auto-restart: off unless a container's label or this fleet default asks.
    restart_default: str = "never"
    restart_max_attempts: int = 3
    restart_window_s: float = 600.0
    restart_backoff_s: float = 2.0  # before attempt n: backoff * 2^(n-1)
    # A container Sentinel restarted counts as back once it has run this long.
    restart_probation_s: float = 10.0
    # A container still down this long after it died gets one reminder per interval (0: off).
    repeat_interval_s: float = 4 * 3600.0


DEFAULT = Judgement()
