"""Docker Engine API answers -> observations. Pure: dicts in, value types out.

Docker's replies are input like any other: a malformed one raises `DockerPayloadError` naming
the container and the problem, and the caller skips that container (marking the snapshot
incomplete) rather than losing the whole host.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from sentinel.core.model import Frozen, Observation

LABEL_ENABLE = "sentinel.enable"
LABEL_CHANNEL = "sentinel.channel"
LABEL_ONESHOT = "sentinel.oneshot"
COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"
COMPOSE_NUMBER = "com.docker.compose.container-number"
COMPOSE_ONEOFF = "com.docker.compose.oneoff"
COMPOSE_DEPENDS_ON = "com.docker.compose.depends_on"
LABEL_DEPENDS_ON = "sentinel.depends_on"
LABEL_RESTART = "sentinel.restart"
RESTART_POLICIES = ("never", "on-failure", "always")

_EXITED = re.compile(r"^Exited \((-?\d+)\)")
_HEALTH = re.compile(r"\((healthy|unhealthy|health: starting)\)")
_TRUE = {"1", "true", "yes", "on"}
# Docker reports "never" as the zero time of Go.
_ZERO_TIME_PREFIX = "0001-01-01"


class DockerPayloadError(ValueError):
    """A Docker reply that does not have the shape the Engine API documents."""


class Details(Frozen):
    """What only `GET /containers/{id}/json` tells: fetched when the summary changed."""

    exit_code: int | None = None
    oom_killed: bool = False
    restart_count: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    health: str | None = None
    health_output: str | None = None
    restart_policy: str = ""  # HostConfig.RestartPolicy.Name: no, always, unless-stopped...
    restart_max: int = 0  # its MaximumRetryCount (on-failure)


def parse_docker_time(value: str | None) -> datetime | None:
    """Docker's RFC 3339 times with nanoseconds; the Go zero time means never."""
    if value is not None and not isinstance(value, str):
        raise DockerPayloadError(f"unreadable time {value!r}")
    if not value or value.startswith(_ZERO_TIME_PREFIX):
        return None
    match = re.match(r"^(.*?T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", value)
    if not match:
        raise DockerPayloadError(f"unreadable time {value!r}")
    base, fraction, zone = match.groups()
    fraction = (fraction or "")[:7]  # Python reads at most microseconds
    zone = "+00:00" if zone == "Z" else zone
    try:
        return datetime.fromisoformat(f"{base}{fraction}{zone}").astimezone(UTC)
    except ValueError as exc:  # the right shape, an impossible date (month 13)
        raise DockerPayloadError(f"unreadable time {value!r}: {exc}") from exc


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def container_name(summary: dict[str, Any]) -> str:
    names = summary.get("Names") or []
    if not names or not isinstance(names[0], str):
        raise DockerPayloadError(f"container {str(summary.get('Id', '?'))[:12]} has no name")
    return names[0].lstrip("/")


def is_watched(labels: dict[str, str]) -> bool:
    return labels.get(LABEL_ENABLE, "").strip().lower() not in ("false", "0", "no", "off")


def identity_key(name: str, labels: dict[str, str]) -> str:
    """Host-unique identity that survives recreation: Compose project/service/number, or name."""
    project, service = labels.get(COMPOSE_PROJECT), labels.get(COMPOSE_SERVICE)
    if project and service and not _is_true(labels.get(COMPOSE_ONEOFF)):
        return f"{project}/{service}/{labels.get(COMPOSE_NUMBER, '1')}"
    return name


def summary_fingerprint(summary: dict[str, Any]) -> tuple[str, str, str]:
    """What in a listing entry signals a change worth an inspect (never the `Up 5 minutes`)."""
    status = str(summary.get("Status", ""))
    exited = _EXITED.match(status)
    health = _HEALTH.search(status)
    return (
        str(summary.get("Id", "")),
        str(summary.get("State", "")),
        f"{exited.group(1) if exited else ''}|{health.group(1) if health else ''}",
    )


_UP = re.compile(r"^Up (Less than a second|About a minute|About an hour|(\d+) (second|minute|"
                 r"hour|day|week|month|year)s?)")
_UNIT_S = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400, "week": 7 * 86_400,
           "month": 31 * 86_400, "year": 366 * 86_400}


def uptime_upper_bound_s(status: str) -> float | None:
    """The longest a running container can have been up, from the listing's `Up 3 minutes`
    (Docker rounds down to its unit); None when the text says nothing of it."""
    match = _UP.match(status)
    if match is None:
        return None
    phrase, count, unit = match.groups()
    if phrase == "Less than a second":
        return 1.0
    if phrase == "About a minute":
        return 120.0
    if phrase == "About an hour":
        return 7200.0
    return (int(count) + 1) * _UNIT_S[unit]


def details_outdated(details: Details, summary: dict[str, Any], observed_at: datetime) -> bool:
    """Details cached from before a stop and start: the listing entry looks the same, but it
    says the container has been up for less time than those details claim."""
    bound = uptime_upper_bound_s(str(summary.get("Status", "")))
    if bound is None or details.started_at is None:
        return False
    return (observed_at - details.started_at).total_seconds() > bound + 2.0


# Bumped when what the digest covers changes, so a digest stored by an older version never
# matches by accident.
_DIGEST_VERSION = b"listing-v2\n"


def listing_digest(summaries: list[Any]) -> str | None:
    """What the alert step would decide on in a listing, read from the listing alone: each
    watched entry's fingerprint, name and image, in a stable order (never the `Up 5 minutes`,
    never the time). Equal digests, nothing to decide, so a steady host's cycle needs no
    inspect and no parsing. None when an entry is malformed: the full path reports it."""
    parts: list[str] = []
    for summary in summaries:
        if not isinstance(summary, dict):
            return None
        labels = summary.get("Labels") or {}
        if not isinstance(labels, dict):
            return None
        if not is_watched(labels):
            continue
        container_id, state, detail = summary_fingerprint(summary)
        parts.append(f"{container_id}\t{state}\t{detail}\t{summary.get('Names')!r}\t"
                     f"{summary.get('Image')!r}")
    parts.sort()
    return hashlib.blake2b(_DIGEST_VERSION + "\n".join(parts).encode(),
                           digest_size=16).hexdigest()


def details_from_inspect(inspect: dict[str, Any]) -> Details:
    if not isinstance(inspect, dict):
        raise DockerPayloadError("an inspect reply is not an object")
    name = inspect.get("Name")
    who = name.lstrip("/") if isinstance(name, str) and name else str(inspect.get("Id", "?"))[:12]
    state = inspect.get("State")
    if not isinstance(state, dict):
        raise DockerPayloadError(f"container {who}: inspect reply has no State object")
    try:
        health = state.get("Health") or {}
        log = health.get("Log") or []
        last_output = log[-1].get("Output") if log and isinstance(log[-1], dict) else None
        policy = (inspect.get("HostConfig") or {}).get("RestartPolicy") or {}
        return Details(
            exit_code=state.get("ExitCode"),
            oom_killed=bool(state.get("OOMKilled", False)),
            restart_count=int(inspect.get("RestartCount") or 0),
            started_at=parse_docker_time(state.get("StartedAt")),
            finished_at=parse_docker_time(state.get("FinishedAt")),
            health=health.get("Status") or None,
            health_output=(last_output or "").strip() or None,
            restart_policy=str(policy.get("Name") or ""),
            restart_max=int(policy.get("MaximumRetryCount") or 0),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise DockerPayloadError(f"container {who}: inspect reply unreadable: {exc}") from exc


def observation_from(host: str, summary: dict[str, Any], details: Details,
                     observed_at: datetime) -> Observation:
    name = container_name(summary)
    labels = summary.get("Labels") or {}
    if not isinstance(labels, dict):
        raise DockerPayloadError(f"container {name}: Labels is not an object")
    try:
        return Observation(
            host=host,
            key=identity_key(name, labels),
            name=name,
            container_id=str(summary["Id"]),
            image=str(summary.get("Image", "")),
            docker_state=str(summary["State"]),
            exit_code=details.exit_code,
            oom_killed=details.oom_killed,
            restart_count=details.restart_count,
            started_at=details.started_at,
            finished_at=details.finished_at,
            health=details.health,
            health_output=details.health_output,
            oneshot=_is_true(labels.get(LABEL_ONESHOT)) or _is_true(labels.get(COMPOSE_ONEOFF)),
            channel=labels.get(LABEL_CHANNEL) or None,
            compose_project=labels.get(COMPOSE_PROJECT),
            compose_service=labels.get(COMPOSE_SERVICE),
            depends_on=dependencies_from(labels),
            docker_restart_policy=details.restart_policy,
            docker_restart_max=details.restart_max,
            restart_label=restart_label(name, labels),
            observed_at=observed_at,
        )
    except KeyError as exc:
        raise DockerPayloadError(f"container {name}: missing {exc.args[0]}") from exc
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise DockerPayloadError(f"container {name}: {exc}") from exc


def dependencies_from(labels: dict[str, str]) -> list[str]:
    """Compose writes `db:service_started:false,cache:service_healthy:true`; sentinel's own
    label is a plain list of names or services. Both, deduplicated, in order."""
    found: list[str] = []
    for entry in str(labels.get(COMPOSE_DEPENDS_ON) or "").split(","):
        service = entry.split(":", 1)[0].strip()
        if service and service not in found:
            found.append(service)
    for entry in str(labels.get(LABEL_DEPENDS_ON) or "").split(","):
        name = entry.strip().lstrip("/")
        if name and name not in found:
            found.append(name)
    return found


def restart_label(name: str, labels: dict[str, str]) -> str | None:
    """sentinel.restart, or None (the fleet default) when absent or not understood: a typo
    in a label must not cost the container its watching (`label_problems` says it)."""
    policy = str(labels.get(LABEL_RESTART) or "").strip().lower()
    return policy if policy in RESTART_POLICIES else None


def label_problems(name: str, labels: dict[str, str]) -> list[str]:
    """Sentinel labels that are set but not understood, one clear line each."""
    problems = []
    value = labels.get(LABEL_RESTART)
    if value is not None and restart_label(name, labels) is None:
        problems.append(f"container {name}: label {LABEL_RESTART}={value!r} is not one of "
                        f"{', '.join(RESTART_POLICIES)}: the fleet default applies")
    return problems


_RANK = {"running": 0, "restarting": 1, "paused": 2, "exited": 3, "dead": 4, "created": 5}


def keep_one_per_identity(observations: list[Observation]) -> list[Observation]:
    """During a Compose recreate, two containers share one identity for a moment (the old one
    renamed `<id>_name`): keep the one that is most alive, so the swap is not a death."""
    best: dict[str, Observation] = {}
    for obs in observations:
        current = best.get(obs.key)
        if current is None or _RANK.get(obs.docker_state, 9) < _RANK.get(current.docker_state, 9):
            best[obs.key] = obs
    return list(best.values())




def summary_from_inspect(inspect: dict[str, Any]) -> dict[str, Any]:
    """The listing-entry shape built from an inspect reply, for a container learnt of by an
    event: one code path (`observation_from`) reads both."""
    if not isinstance(inspect, dict) or not isinstance(inspect.get("State"), dict):
        raise DockerPayloadError("an inspect reply without a State object")
    config: dict[str, Any] = inspect.get("Config") or {}
    if not isinstance(config, dict):
        raise DockerPayloadError("an inspect reply whose Config is not an object")
    return {
        "Id": inspect.get("Id", ""),
        "Names": [inspect.get("Name", "")],
        "Image": config.get("Image", ""),
        "State": inspect["State"].get("Status", ""),
        "Labels": config.get("Labels") or {},
    }
