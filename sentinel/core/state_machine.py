"""The alert decision: from what was remembered and what is seen now, what changed.

Pure: the caller passes the stored state and the observation (which carries its own time) and
gets back the new state, at most one alert, and the reason, so that "why did (or didn't) it
alert?" is always answered in the logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import Field

from sentinel.core import autorestart
from sentinel.core.alerts import Alert, AlertKind, alert_id
from sentinel.core.autorestart import RestartOrder
from sentinel.core.dependencies import dependency_graph, neighbours
from sentinel.core.judgement import DEFAULT, Judgement, OnStop
from sentinel.core.model import ContainerState, ContainerStatus, Frozen, HostSnapshot, Observation

_DIED = {ContainerStatus.DEAD, ContainerStatus.RESTARTING}
# A death is "on purpose" when a stop or kill was asked for shortly before it: docker stop
# waits 10 s by default (Compose too) before its SIGKILL; some grace either side for clocks.
_INTENT_BEFORE = timedelta(seconds=2)
_INTENT_REACH = timedelta(seconds=120)


class Decision(Frozen):
    state: ContainerState | None  # None: forget the container
    alerts: list[Alert] = Field(default_factory=list)
    reason: str
    restart: RestartOrder | None = None  # Sentinel should start it (autorestart)

    @property
    def alert(self) -> Alert | None:
        return self.alerts[0] if self.alerts else None


@dataclass
class HostStep:
    """The outcome of one snapshot for one host: every changed state and every alert."""

    changed: dict[str, ContainerState] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    restarts: list[RestartOrder] = field(default_factory=list)


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


def _state_from(obs: Observation, status: ContainerStatus, since: datetime,
                prev: ContainerState | None, stop_requested_at: datetime | None
                ) -> ContainerState:
    """The new state; what Sentinel remembers across observations of the same container
    (recent deaths, a loop, its own restart attempts) is carried over."""
    same = prev is not None and prev.container_id == obs.container_id
    return ContainerState(
        key=obs.key,
        name=obs.name,
        container_id=obs.container_id,
        image=obs.image,
        status=status,
        since=since,
        exit_code=obs.exit_code if status in (ContainerStatus.DEAD, ContainerStatus.COMPLETED,
                                                 ContainerStatus.RESTARTING,
                                                 ContainerStatus.STOPPED) else None,
        oom_killed=obs.oom_killed,
        # Never backwards for the same container: an observation built from details that a
        # worker process cached before a stop/start (the listing looks the same) must not
        # move the start time back, or the next fresh one would look like a restart.
        restart_count=max(obs.restart_count, prev.restart_count if prev and same else 0),
        started_at=_latest(obs.started_at, prev.started_at if prev and same else None),
        observed_at=obs.observed_at,
        channel=obs.channel,
        compose_project=obs.compose_project,
        compose_service=obs.compose_service,
        depends_on=obs.depends_on,
        stop_requested_at=stop_requested_at,
        deaths=prev.deaths if prev else [],
        looping_since=prev.looping_since if prev else None,
        restart_attempts=prev.restart_attempts if prev else [],
        gave_up=prev.gave_up if prev else False,
        down_since=prev.down_since if prev else None,
    )


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(a, b) if a is not None and b is not None else (a or b)


def _alert(kind: AlertKind, obs: Observation, state: ContainerState, host_url: str,
           episode_start: datetime | None = None, **extra: object) -> Alert:
    moments = (episode_start, state.since) if episode_start else (state.since,)
    fields: dict[str, object] = {
        "id": alert_id(kind, obs.host, obs.key, *moments),
        "kind": kind,
        "host": obs.host,
        "host_url": host_url,
        "key": obs.key,
        "name": obs.name,
        "image": obs.image,
        "compose_project": obs.compose_project,
        "compose_service": obs.compose_service,
        "exit_code": state.exit_code,
        "oom_killed": obs.oom_killed,
        "occurred_at": state.since,
        "channel": obs.channel,
        "detected_at": obs.observed_at,
    }
    return Alert.model_validate({**fields, **extra})


def _stopped_on_purpose(obs: Observation, requested: datetime | None) -> bool:
    if requested is None:
        return False
    ended = obs.finished_at or obs.observed_at
    return requested - _INTENT_BEFORE <= ended <= requested + _INTENT_REACH


def _restarted_in_between(prev: ContainerState, obs: Observation) -> bool:
    """Died and was started again between two observations (Docker's restart policy, or
    anyone): each snapshot says running, but the restart count or start time moved."""
    if prev.container_id != obs.container_id:
        return False
    moved = obs.started_at is not None and prev.started_at is not None and \
        obs.started_at > prev.started_at
    return obs.restart_count > prev.restart_count or moved


def step(prev: ContainerState | None, obs: Observation, *, host_url: str = "",
         baseline: bool = False, judgement: Judgement = DEFAULT) -> Decision:
    """Decide what one observation of one container means, given what was remembered."""
    status = classify(obs)
    if status is None:
        return Decision(state=prev, reason=f"not started yet (docker state {obs.docker_state})")
    if prev is not None and obs.observed_at <= prev.observed_at:
        return Decision(state=prev, reason="stale or repeated observation: kept the newer state")
    requested = obs.stop_requested_at or (prev.stop_requested_at if prev is not None and
                                          prev.container_id == obs.container_id else None)
    if requested is not None and obs.started_at is not None and obs.started_at > requested:
        requested = None  # started again since: that request is spent
    if status in _DIED and _stopped_on_purpose(obs, requested):
        status = ContainerStatus.STOPPED

    same = prev is not None and prev.status is status and prev.container_id == obs.container_id
    since = prev.since if (same and prev is not None) else _entered_at(status, obs)
    state = _state_from(obs, status, since, prev, requested)

    if prev is None:
        if baseline:
            return Decision(state=state, reason=f"baseline: first seen {status.value}")
        if status in _DIED:
            state = state.model_copy(update={"down_since": state.since})
            return Decision(state=state, alerts=[_alert(AlertKind.DEAD, obs, state, host_url)],
                            reason="new container, already dead when first seen")
        if status is ContainerStatus.UNHEALTHY:
            return Decision(state=state, alerts=[_unhealthy(obs, state, host_url)],
                            reason="new container, unhealthy when first seen")
        return Decision(state=state, reason=f"new container, {status.value}")

    if status is ContainerStatus.STOPPED:
        return _stopped(prev, obs, state, host_url, judgement)
    state, died = _count_death(prev, obs, state, status, judgement)
    return (_loop(prev, obs, state, status, died, host_url, judgement)
            or _sentinel_restarting(prev, obs, state, status, host_url, judgement)
            or _transition(prev, obs, state, status, host_url, judgement))


def _stopped(prev: ContainerState, obs: Observation, state: ContainerState, host_url: str,
             judgement: Judgement) -> Decision:
    """Intent is not failure: a quiet notice or nothing, never a red DEAD; whatever Sentinel
    was doing about it (a loop, restarts) ends."""
    state = state.model_copy(update={"looping_since": None, "deaths": [],
                                     "restart_attempts": [], "gave_up": False,
                                     "down_since": None})
    if prev.status is ContainerStatus.STOPPED:
        return Decision(state=state, reason="unchanged: stopped on purpose")
    reason = "stopped on purpose (a stop or kill was asked for just before it exited)"
    if judgement.on_stop is OnStop.SILENT or prev.status in _DIED:
        return Decision(state=state, reason=reason)
    return Decision(state=state, alerts=[_alert(AlertKind.STOPPED, obs, state, host_url)],
                    reason=reason)


def _count_death(prev: ContainerState, obs: Observation, state: ContainerState,
                 status: ContainerStatus, judgement: Judgement) -> tuple[ContainerState, bool]:
    """Recent deaths, for loop detection: a fall from up to down, or a restart between two
    looks that each said up. Deaths during Sentinel's own restarts are its budget's."""
    now = obs.observed_at
    was_up = prev.status in (ContainerStatus.RUNNING, ContainerStatus.UNHEALTHY)
    died = was_up and (status in _DIED or _restarted_in_between(prev, obs))
    deaths = [t for t in state.deaths if t > now - timedelta(seconds=judgement.loop_window_s)]
    if died and not autorestart.recent_attempts(prev, now, judgement):
        deaths.append(obs.finished_at if status in _DIED and obs.finished_at else now)
    return state.model_copy(update={"deaths": deaths}), died


def _loop(prev: ContainerState, obs: Observation, state: ContainerState,
          status: ContainerStatus, died: bool, host_url: str,
          judgement: Judgement) -> Decision | None:
    """Past `loop_deaths` deaths in the window: one [RESTART LOOP] (Docker restarts it) or
    [FLAPPING] (something else does), then quiet until it has run `loop_quiet_s` without
    dying, and that end is reported."""
    now, deaths = obs.observed_at, state.deaths
    looping = state.looping_since is not None
    docker_restarts = autorestart.docker_will_restart(obs) or \
        obs.restart_count > prev.restart_count
    if not looping and len(deaths) >= judgement.loop_deaths:
        kind = AlertKind.RESTART_LOOP if docker_restarts else AlertKind.FLAPPING
        state = state.model_copy(update={"looping_since": now})
        alert = _alert(kind, obs, state, host_url, restart_count=obs.restart_count,
                       occurred_at=now, id=alert_id(kind, obs.host, obs.key, now),
                       summary_lines=[f"{len(deaths)} deaths in "
                                      f"{judgement.loop_window_s / 60:g} min"])
        reason = f"{len(deaths)} deaths within {judgement.loop_window_s:g} s: {kind.value}"
        return _and_restart(Decision(state=state, alerts=[alert], reason=reason),
                            prev, obs, status, host_url, judgement)
    if not looping:
        if died and status not in _DIED and \
                not autorestart.recent_attempts(prev, now, judgement):
            # Restarted between two looks: each said running, yet it died in between.
            return _died_and_back(prev, obs, state, host_url, len(deaths))
        return None
    quiet_for = (now - max(deaths)).total_seconds() if deaths else judgement.loop_quiet_s
    if quiet_for < judgement.loop_quiet_s:
        return _and_restart(Decision(state=state, reason=f"in a loop since "
                                                         f"{state.looping_since}: {len(deaths)} "
                                                         "deaths in the window, quiet"),
                            prev, obs, status, host_url, judgement)
    assert state.looping_since is not None
    kind = AlertKind.LOOP_ENDED
    ended = state.model_copy(update={"looping_since": None, "deaths": []})
    if status in _DIED and ended.down_since is None:
        ended = ended.model_copy(update={"down_since": ended.since})
    alert = _alert(kind, obs, ended, host_url, occurred_at=now,
                   id=alert_id(kind, obs.host, obs.key, state.looping_since),
                   previous_status=status.value)
    return Decision(state=ended, alerts=[alert],
                    reason=f"the loop ended: {quiet_for:.0f} s without a death, now "
                           f"{status.value}")


def _and_restart(decision: Decision, prev: ContainerState, obs: Observation,
                 status: ContainerStatus, host_url: str, judgement: Judgement) -> Decision:
    """A container that just died gets Sentinel's next restart attempt (or its one GAVE UP)
    with whatever else was decided: in a loop too, which is quiet about deaths, not about
    the restart budget."""
    if status is not ContainerStatus.DEAD or prev.status in _DIED or decision.state is None \
            or autorestart.wanted_policy(obs, judgement) == "never":
        return decision
    planned = _plan_restart(prev, obs, decision.state, host_url, judgement, decision.reason)
    return planned.model_copy(update={"alerts": [*decision.alerts, *planned.alerts]})


def _died_and_back(prev: ContainerState, obs: Observation, state: ContainerState,
                   host_url: str, deaths: int) -> Decision:
    """A death seen only afterwards (running both times, the restart count moved): the
    death and the return, heard together."""
    back_at = obs.started_at or obs.observed_at
    died_at = obs.finished_at if obs.finished_at and obs.finished_at <= back_at else back_at
    dead = state.model_copy(update={"since": died_at, "exit_code": obs.exit_code})
    state = state.model_copy(update={"since": back_at})  # running again since the restart
    alerts = [_alert(AlertKind.DEAD, obs, dead, host_url),
              _alert(AlertKind.RECOVERED, obs, state, host_url, episode_start=died_at,
                     downtime_s=(back_at - died_at).total_seconds(),
                     previous_status="restarting",
                     recovered_by="Docker's restart policy"
                     if autorestart.docker_will_restart(obs) or
                     obs.restart_count > prev.restart_count else None)]
    return Decision(state=state, alerts=alerts,
                    reason=f"died and restarted between two observations (restart count "
                           f"{prev.restart_count} -> {obs.restart_count}; {deaths} in the "
                           f"window)")


def _sentinel_restarting(prev: ContainerState, obs: Observation, state: ContainerState,
                         status: ContainerStatus, host_url: str, judgement: Judgement
                         ) -> Decision | None:
    """While Sentinel's restart attempts run, their ups and downs are one outage: no DEAD or
    RECOVERED each time, the next attempt or [GAVE UP] instead; back once it has run
    `restart_probation_s`."""
    attempts = autorestart.recent_attempts(prev, obs.observed_at, judgement)
    if not attempts:
        return None
    if status in _DIED:
        overdue = (obs.observed_at - max(attempts)).total_seconds() > (
            judgement.restart_backoff_s * 2 ** len(attempts) + 30)
        # It ran again and died between two looks (the start was never observed).
        ran_again = obs.started_at is not None and obs.started_at != prev.started_at
        if prev.status in _DIED and not overdue and not ran_again:
            return Decision(state=state, reason="still down; Sentinel's next attempt is on "
                                                "its way")
        return _plan_restart(prev, obs, state, host_url, judgement,
                             f"down again after Sentinel's attempt {len(attempts)}")
    if status is ContainerStatus.RUNNING:
        ran_s = (obs.observed_at - (obs.started_at or obs.observed_at)).total_seconds()
        if ran_s < judgement.restart_probation_s:
            return Decision(state=state, reason=f"running {ran_s:.0f} s after Sentinel's "
                                                f"restart: on probation")
        start = state.down_since or min(attempts)
        back = state.model_copy(update={"restart_attempts": [], "gave_up": False,
                                        "down_since": None})
        alert = _alert(AlertKind.RECOVERED, obs, back, host_url, episode_start=start,
                       downtime_s=max(0.0, (back.since - start).total_seconds()),
                       previous_status="dead",
                       recovered_by=f"Sentinel (attempt {len(attempts)}/"
                                    f"{judgement.restart_max_attempts})")
        return Decision(state=back, alerts=[alert],
                        reason=f"back after Sentinel's restart attempt {len(attempts)}")
    return None


def _plan_restart(prev: ContainerState, obs: Observation, state: ContainerState,
                  host_url: str, judgement: Judgement, why: str) -> Decision:
    order, spent, reason = autorestart.plan(state, obs, judgement)
    if spent:
        state = state.model_copy(update={"gave_up": True, "restart_attempts": []})
        start = state.down_since or state.since
        alert = _alert(AlertKind.GAVE_UP, obs, state, host_url, episode_start=start,
                       max_attempts=judgement.restart_max_attempts)
        return Decision(state=state, alerts=[alert], reason=f"{why}: {reason}")
    return Decision(state=state, restart=order, reason=f"{why}: {reason}")


def _transition(prev: ContainerState, obs: Observation, state: ContainerState,
                status: ContainerStatus, host_url: str, judgement: Judgement) -> Decision:
    if prev.status is status:
        if status is ContainerStatus.DEAD and prev.container_id != obs.container_id:
            # Recreated (new container id) and already dead again: keep the open death.
            state = state.model_copy(update={"since": prev.since})
        return Decision(state=state, reason=f"unchanged: {status.value}")

    if status in _DIED and prev.status not in _DIED:
        state = state.model_copy(update={"down_since": state.since})
        died = Decision(state=state, alerts=[_alert(AlertKind.DEAD, obs, state, host_url)],
                        reason=f"died: {prev.status.value} -> {status.value}")
        return _and_restart(died, prev, obs, status, host_url, judgement)
    if status is ContainerStatus.UNHEALTHY and not prev.status.is_down:
        return Decision(state=state, alerts=[_unhealthy(obs, state, host_url)],
                        reason=f"turned unhealthy: {prev.status.value} -> unhealthy")
    if status.is_down:
        # Down in another way (dead -> restarting, dead -> unhealthy): still the same outage.
        state = state.model_copy(update={"since": prev.since})
        return Decision(state=state, reason=f"still down: {prev.status.value} -> {status.value}")
    if prev.status.is_down:
        downtime_s = max(0.0, (state.since - prev.since).total_seconds())
        by = "Docker's restart policy" if obs.restart_count > prev.restart_count else None
        state = state.model_copy(update={"gave_up": False, "restart_attempts": [],
                                         "down_since": None})
        alert = _alert(AlertKind.RECOVERED, obs, state, host_url, episode_start=prev.since,
                       downtime_s=downtime_s, previous_status=prev.status.value,
                       recovered_by=by)
        return Decision(state=state, alerts=[alert],
                        reason=f"recovered: {prev.status.value} -> {status.value}")
    return Decision(state=state, reason=f"quiet change: {prev.status.value} -> {status.value}")


def _unhealthy(obs: Observation, state: ContainerState, host_url: str) -> Alert:
    return _alert(AlertKind.UNHEALTHY, obs, state, host_url, detail=obs.health_output)


def step_host(states: dict[str, ContainerState], snapshot: HostSnapshot, *, host_url: str = "",
              first_meeting: bool = False, judgement: Judgement = DEFAULT) -> HostStep:
    """Apply one snapshot of a host to its remembered containers.

    On the first meeting with a host, nothing is alerted per container: containers already
    down are reported once, together, as a baseline summary. Deaths carry the host's
    dependency graph, so that delivery can gather a cascade into one incident.
    """
    result = HostStep()
    seen: set[str] = set()
    for obs in snapshot.containers:
        seen.add(obs.key)
        prev = states.get(obs.key)
        decision = step(prev, obs, host_url=host_url, baseline=first_meeting,
                        judgement=judgement)
        result.reasons[obs.key] = decision.reason
        if decision.state is not None and _news(prev, decision.state):
            result.changed[obs.key] = decision.state
        result.alerts.extend(decision.alerts)
        if decision.restart is not None:
            result.restarts.append(decision.restart)

    for key, prev in states.items():
        if snapshot.complete and key not in seen and snapshot.observed_at > prev.observed_at:
            result.removed.append(key)
            result.reasons[key] = f"removed from Docker while {prev.status.value}"

    if any(a.kind is AlertKind.DEAD for a in result.alerts):
        everyone = {k: s for k, s in states.items() if k not in result.removed}
        graph = dependency_graph({**everyone, **result.changed}.values())
        result.alerts = [
            a.model_copy(update={"depends_on": sorted(graph.get(a.key, set())),
                                 "related": sorted(neighbours(graph, a.key))})
            if a.kind is AlertKind.DEAD else a for a in result.alerts]

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
