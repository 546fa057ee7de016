"""Alerts: the transitions a person must hear about, each with a stable id."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from sentinel.core.model import ContainerState, Frozen

# Discord accepts a message nonce of at most 25 characters
# (https://discord.com/developers/docs/resources/message#create-message, "nonce").
NONCE_MAX_CHARS = 25


class AlertKind(StrEnum):
    DEAD = "dead"
    RECOVERED = "recovered"
    UNHEALTHY = "unhealthy"
    BASELINE = "baseline"  # first meeting with a host: containers already stopped, as one summary
    UNREACHABLE = "unreachable"  # a host that stopped answering
    HOST_RECOVERED = "host_recovered"  # ... and answers again
    STOPPED = "stopped"  # stopped on purpose: a quiet notice
    RESTART_LOOP = "restart_loop"  # Docker keeps restarting it
    FLAPPING = "flapping"  # it keeps dying and coming back, restarted by something else
    LOOP_ENDED = "loop_ended"  # ... and has now run steadily (or stayed down)
    RESTARTING = "restarting"  # Sentinel restarted it: attempt n of N
    GAVE_UP = "gave_up"  # Sentinel's restart budget is spent
    SILENCE_ENDED = "silence_ended"  # what changed while a silence lasted
    REMINDER = "reminder"  # still dead after the repeat interval
    BLIND = "blind"  # Sentinel itself was down: for how long, and what it found on return
    TEST = "test"


class Alert(Frozen):
    """Everything needed to render and deliver one alert, with no further lookups."""

    id: str = Field(max_length=NONCE_MAX_CHARS)
    kind: AlertKind
    host: str
    host_url: str = ""
    key: str = ""
    name: str = ""
    image: str = ""
    compose_project: str | None = None
    compose_service: str | None = None
    exit_code: int | None = None
    oom_killed: bool = False
    occurred_at: datetime  # when it died, came back, turned unhealthy...
    downtime_s: float | None = None
    previous_status: str | None = None  # for a recovery: what it recovered from
    channel: str | None = None  # None: the configured alert channel
    detail: str | None = None  # health probe output, or the baseline summary
    summary_lines: list[str] = Field(default_factory=list)
    detected_at: datetime | None = None  # when Sentinel saw it (its own clock)
    # Dependency graph (keys of the same host): what it depends on, what it is connected to.
    depends_on: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    # An incident: the dependents that went down with this root, and their alerts' ids.
    dependents: list[str] = Field(default_factory=list)
    member_ids: list[str] = Field(default_factory=list)
    attempt: int | None = None  # a Sentinel restart: attempt n ...
    max_attempts: int | None = None  # ... of N
    restart_count: int | None = None  # Docker's count, for a restart loop
    recovered_by: str | None = None  # who brought it back: "Sentinel", "Docker", ...


def alert_id(kind: AlertKind, host: str, key: str, *moments: datetime) -> str:
    """A stable id for one transition: the same death always gets the same id.

    It doubles as the Discord nonce and as the delivered-marker, so it must be deterministic
    (a replayed observation or a second worker computes the same id), distinct for distinct
    transitions (a recovery names both the moment it went down and the moment it came back),
    and short enough.
    """
    times = "|".join(m.isoformat() for m in moments)
    raw = f"{kind.value}|{host}|{key}|{times}".encode()
    digest = hashlib.blake2b(raw, digest_size=11).hexdigest()  # 22 chars
    return f"{kind.value[0]}-{digest}"  # 24 chars, under NONCE_MAX_CHARS


def about_container(kind: AlertKind, host: str, state: ContainerState, moment: datetime,
                    **extra: object) -> Alert:
    """An alert about a remembered container, made outside an observation (a reminder, a
    restart notice): one per outage and moment."""
    outage = state.down_since or state.since
    return Alert.model_validate({
        "id": alert_id(kind, host, state.key, outage, moment), "kind": kind, "host": host,
        "key": state.key, "name": state.name, "image": state.image,
        "compose_project": state.compose_project, "compose_service": state.compose_service,
        "exit_code": state.exit_code, "oom_killed": state.oom_killed, "occurred_at": moment,
        "channel": state.channel, **extra})
