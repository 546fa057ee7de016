"""The alert decision: from what was remembered and what is seen now, what changed.

Pure: the caller passes the stored state and the observation (which carries its own time) and
gets back the new state, at most one alert, and the reason, so that "why did (or didn't) it
alert?" is always answered in the logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sentinel.core.alerts import Alert, AlertKind, alert_id
from sentinel.core.model import ContainerState, ContainerStatus, Frozen, HostSnapshot, Observation

_DIED = {ContainerStatus.DEAD, ContainerStatus.RESTARTING}


class Decision(Frozen):
    state: ContainerState | None  # None: forget the container
    alert: Alert | None = None
    reason: str


@dataclass
class HostStep:
    """The outcome of one snapshot for one host: every changed state and every alert."""

    changed: dict[str, ContainerState] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)


def classify(obs: Observation) -> ContainerStatus | None:
    """Docker's state in Sentinel's words; None for a container not started yet."""
    state = obs.docker_state
    if state == "running":
        return ContainerStatus.UNHEALTHY if obs.health == "unhealthy" else ContainerStatus.RUNNING
    if state == "paused":
        return ContainerStatus.PAUSED
    if state == "restarting":
        return ContainerStatus.RESTARTING
    if state in ("exited", "dead"):
        if obs.oneshot and obs.exit_code == 0:
            return ContainerStatus.COMPLETED
        return ContainerStatus.DEAD
    return None  # created, removing: nothing to watch yet


def _entered_at(status: ContainerStatus, obs: Observation) -> datetime:
    """When the container entered `status`: Docker's own times where it gives them."""
    if status in (ContainerStatus.DEAD, ContainerStatus.COMPLETED) and obs.finished_at:
        return obs.finished_at
    if status is ContainerStatus.RUNNING and obs.started_at:
        return obs.started_at
    return obs.observed_at


def _state_from(obs: Observation, status: ContainerStatus, since: datetime) -> ContainerState:
    return ContainerState(
        key=obs.key,
        name=obs.name,
        container_id=obs.container_id,
        image=obs.image,
        status=status,
        since=since,
        exit_code=obs.exit_code if status in (ContainerStatus.DEAD, ContainerStatus.COMPLETED,
                                                 ContainerStatus.RESTARTING) else None,
        oom_killed=obs.oom_killed,
        restart_count=obs.restart_count,
        started_at=obs.started_at,
        observed_at=obs.observed_at,
        channel=obs.channel,
        compose_project=obs.compose_project,
        compose_service=obs.compose_service,
    )


def _alert(kind: AlertKind, obs: Observation, state: ContainerState, host_url: str,
           episode_start: datetime | None = None, **extra: object) -> Alert:
    moments = (episode_start, state.since) if episode_start else (state.since,)
    return Alert(
        id=alert_id(kind, obs.host, obs.key, *moments),
        kind=kind,
        host=obs.host,
        host_url=host_url,
        key=obs.key,
        name=obs.name,
        image=obs.image,
        compose_project=obs.compose_project,
        compose_service=obs.compose_service,
        exit_code=state.exit_code,
        oom_killed=obs.oom_killed,
        occurred_at=state.since,
        channel=obs.channel,
        **extra,  # type: ignore[arg-type]
    )


def step(prev: ContainerState | None, obs: Observation, *, host_url: str = "",
         baseline: bool = False) -> Decision:
    """Decide what one observation of one container means, given what was remembered."""
    status = classify(obs)
    if status is None:
        return Decision(state=prev, reason=f"not started yet (docker state {obs.docker_state})")
    if prev is not None and obs.observed_at <= prev.observed_at:
        return Decision(state=prev, reason="stale or repeated observation: kept the newer state")

    same = prev is not None and prev.status is status and prev.container_id == obs.container_id
    since = prev.since if (same and prev is not None) else _entered_at(status, obs)
    state = _state_from(obs, status, since)

    if prev is None:
        if baseline:
            return Decision(state=state, reason=f"baseline: first seen {status.value}")
        if status in _DIED:
            return Decision(state=state, alert=_alert(AlertKind.DEAD, obs, state, host_url),
                            reason="new container, already dead when first seen")
        if status is ContainerStatus.UNHEALTHY:
            return Decision(state=state, alert=_unhealthy(obs, state, host_url),
                            reason="new container, unhealthy when first seen")
        return Decision(state=state, reason=f"new container, {status.value}")

    if prev.status is status:
        if status is ContainerStatus.DEAD and not same:
            # Recreated (new container id) and already dead again: keep the open death.
            state = state.model_copy(update={"since": prev.since})
        return Decision(state=state, reason=f"unchanged: {status.value}")

    if status in _DIED and prev.status not in _DIED:
        return Decision(state=state, alert=_alert(AlertKind.DEAD, obs, state, host_url),
                        reason=f"died: {prev.status.value} -> {status.value}")
    if status is ContainerStatus.UNHEALTHY and not prev.status.is_down:
        return Decision(state=state, alert=_unhealthy(obs, state, host_url),
                        reason=f"turned unhealthy: {prev.status.value} -> unhealthy")
    if status.is_down:
        # Down in another way (dead -> restarting, dead -> unhealthy): still the same outage.
        state = state.model_copy(update={"since": prev.since})
        return Decision(state=state, reason=f"still down: {prev.status.value} -> {status.value}")
    if prev.status.is_down:
        downtime_s = max(0.0, (state.since - prev.since).total_seconds())
        alert = _alert(AlertKind.RECOVERED, obs, state, host_url, episode_start=prev.since,
                       downtime_s=downtime_s, previous_status=prev.status.value)
        return Decision(state=state, alert=alert,
                        reason=f"recovered: {prev.status.value} -> {status.value}")
    return Decision(state=state, reason=f"quiet change: {prev.status.value} -> {status.value}")


def _unhealthy(obs: Observation, state: ContainerState, host_url: str) -> Alert:
    return _alert(AlertKind.UNHEALTHY, obs, state, host_url, detail=obs.health_output)


def step_host(states: dict[str, ContainerState], snapshot: HostSnapshot, *, host_url: str = "",
              first_meeting: bool = False) -> HostStep:
    """Apply one complete snapshot of a host to its remembered containers.

    On the first meeting with a host, nothing is alerted per container: containers already
    down are reported once, together, as a baseline summary.
    """
    result = HostStep()
    seen: set[str] = set()
    for obs in snapshot.containers:
        seen.add(obs.key)
        prev = states.get(obs.key)
        decision = step(prev, obs, host_url=host_url, baseline=first_meeting)
        result.reasons[obs.key] = decision.reason
        if decision.state is not None and _news(prev, decision.state):
            result.changed[obs.key] = decision.state
        if decision.alert is not None:
            result.alerts.append(decision.alert)

    for key, prev in states.items():
        if snapshot.complete and key not in seen and snapshot.observed_at > prev.observed_at:
            result.removed.append(key)
            result.reasons[key] = f"removed from Docker while {prev.status.value}"

    if first_meeting:
        down = [s for s in result.changed.values() if s.status.is_down]
        if down:
            result.alerts.append(_baseline_summary(snapshot, down, host_url))
    return result


def _news(prev: ContainerState | None, state: ContainerState) -> bool:
    """Worth writing: anything but a newer observed_at (rewriting every container of every
    host every cycle was most of a steady cycle's cost). An older observation can still not
    overwrite a change: a change is always written, with its time."""
    if prev is None:
        return True
    return state.model_copy(update={"observed_at": prev.observed_at}) != prev


def _baseline_summary(snapshot: HostSnapshot, down: list[ContainerState], host_url: str) -> Alert:
    lines = sorted(
        f"{s.name}: {s.status.value}" + (f", exit {s.exit_code}" if s.exit_code is not None else "")
        for s in down
    )
    return Alert(
        id=alert_id(AlertKind.BASELINE, snapshot.host, "", snapshot.observed_at),
        kind=AlertKind.BASELINE,
        host=snapshot.host,
        host_url=host_url,
        occurred_at=snapshot.observed_at,
        summary_lines=lines,
    )
