"""The alert decision (sentinel/core/state_machine.py): one commented table row per rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.core.alerts import NONCE_MAX_CHARS, AlertKind, alert_id
from sentinel.core.model import ContainerState, ContainerStatus, HostSnapshot, Observation
from sentinel.core.state_machine import Decision, classify, step, step_host

T0 = datetime(2026, 11, 24, 18, 0, 0, tzinfo=UTC)
HOST_URL = "tcp://10.0.0.5:2375"

S = ContainerStatus
K = AlertKind


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def obs(docker_state: str, seen: float, *, key: str = "web", name: str | None = None,
        cid: str = "c1", started: float | None = None, finished: float | None = None,
        **extra: Any) -> Observation:
    """One observation taken `seen` seconds after T0."""
    return Observation(
        host="local", key=key, name=name or key, container_id=cid, image="nginx:1.27",
        docker_state=docker_state,
        started_at=at(started) if started is not None else None,
        finished_at=at(finished) if finished is not None else None,
        observed_at=at(seen), **extra,
    )


def running(seen: float, started: float = 0, **kw: Any) -> Observation:
    return obs("running", seen, started=started, **kw)


def exited(seen: float, code: int, finished: float, **kw: Any) -> Observation:
    return obs("exited", seen, exit_code=code, finished=finished, **kw)


def unhealthy(seen: float, started: float = 0, **kw: Any) -> Observation:
    return obs("running", seen, started=started, health="unhealthy",
               health_output="curl: (7) Failed to connect", **kw)


# ---------------------------------------------------------------------------------------------
# classify: Docker's word -> Sentinel's word
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("observation", "expected"),
    [
        # plain running container
        pytest.param(running(1), S.RUNNING, id="running"),
        # a passing or starting healthcheck is still running
        pytest.param(obs("running", 1, health="healthy"), S.RUNNING, id="running-healthy"),
        pytest.param(obs("running", 1, health="starting"), S.RUNNING, id="running-starting"),
        # a failing healthcheck makes it unhealthy
        pytest.param(unhealthy(1), S.UNHEALTHY, id="running-unhealthy"),
        # paused is its own status
        pytest.param(obs("paused", 1), S.PAUSED, id="paused"),
        # restarting is its own status (and counts as down)
        pytest.param(obs("restarting", 1, exit_code=1), S.RESTARTING, id="restarting"),
        # exited or dead with any code is dead
        pytest.param(exited(1, 0, 0), S.DEAD, id="exited-0"),
        pytest.param(exited(1, 137, 0), S.DEAD, id="exited-137"),
        pytest.param(obs("dead", 1, exit_code=1), S.DEAD, id="docker-dead"),
        # a oneshot job that exits 0 completed its work
        pytest.param(exited(1, 0, 0, oneshot=True), S.COMPLETED, id="oneshot-exit-0"),
        # a oneshot job that exits non-zero failed
        pytest.param(exited(1, 3, 0, oneshot=True), S.DEAD, id="oneshot-exit-3"),
        # created or being removed: nothing to watch yet
        pytest.param(obs("created", 1), None, id="created"),
        pytest.param(obs("removing", 1), None, id="removing"),
    ],
)
def test_it_classifies_docker_states_in_sentinel_words(observation: Observation,
                                                        expected: ContainerStatus | None) -> None:
    assert classify(observation) is expected


# ---------------------------------------------------------------------------------------------
# step: every transition, as a sequence of observations of one container
# ---------------------------------------------------------------------------------------------

# One expected outcome per observation: (status or None, since in seconds after T0 or None,
# alert kind or None, alert exit code, alert downtime_s).
Outcome = tuple[ContainerStatus | None, float | None, AlertKind | None, int | None, float | None]

QUIET_RUNNING: Outcome = (S.RUNNING, 0, None, None, None)

TRANSITIONS = [
    # running -> dead: exactly one DEAD alert, dated by Docker's FinishedAt
    pytest.param(
        [running(10), exited(105, 137, finished=100)],
        [QUIET_RUNNING, (S.DEAD, 100, K.DEAD, 137, None)],
        id="running-to-dead-alerts-dead-once",
    ),
    # dead -> running: RECOVERED, downtime = started_at - the death's since
    pytest.param(
        [running(10), exited(105, 137, finished=100), running(140, started=131)],
        [QUIET_RUNNING, (S.DEAD, 100, K.DEAD, 137, None),
         (S.RUNNING, 131, K.RECOVERED, None, 31.0)],
        id="dead-to-running-recovers-with-downtime",
    ),
    # restarting counts as dead: running -> restarting is a DEAD alert, dated when seen
    pytest.param(
        [running(10), obs("restarting", 50, exit_code=1, started=0, finished=48)],
        [QUIET_RUNNING, (S.RESTARTING, 50, K.DEAD, 1, None)],
        id="running-to-restarting-is-a-death",
    ),
    # restarting -> running is a recovery like any other
    pytest.param(
        [running(10), obs("restarting", 50, exit_code=1), running(80, started=75)],
        [QUIET_RUNNING, (S.RESTARTING, 50, K.DEAD, 1, None),
         (S.RUNNING, 75, K.RECOVERED, None, 25.0)],
        id="restarting-to-running-recovers",
    ),
    # running -> unhealthy: UNHEALTHY, dated when seen
    pytest.param(
        [running(10), unhealthy(60)],
        [QUIET_RUNNING, (S.UNHEALTHY, 60, K.UNHEALTHY, None, None)],
        id="running-to-unhealthy-alerts-unhealthy",
    ),
    # unhealthy -> running (healthy again): RECOVERED from the unhealthy moment
    pytest.param(
        [running(10), unhealthy(60), obs("running", 90, started=0, health="healthy")],
        [QUIET_RUNNING, (S.UNHEALTHY, 60, K.UNHEALTHY, None, None),
         (S.RUNNING, 0, K.RECOVERED, None, 0.0)],
        id="unhealthy-to-healthy-recovers",
    ),
    # unhealthy -> dead: it still died, so DEAD
    pytest.param(
        [running(10), unhealthy(60), exited(125, 1, finished=120)],
        [QUIET_RUNNING, (S.UNHEALTHY, 60, K.UNHEALTHY, None, None),
         (S.DEAD, 120, K.DEAD, 1, None)],
        id="unhealthy-to-dead-alerts-dead",
    ),
    # dead -> restarting: the same outage, no alert, the death's time is kept
    pytest.param(
        [running(10), exited(105, 1, finished=100), obs("restarting", 110, exit_code=1)],
        [QUIET_RUNNING, (S.DEAD, 100, K.DEAD, 1, None), (S.RESTARTING, 100, None, 1, None)],
        id="dead-to-restarting-is-quiet",
    ),
    # dead -> unhealthy: still the same outage (no alert); unhealthy -> running then recovers
    # with the downtime counted from the original death
    pytest.param(
        [running(10), exited(105, 1, finished=100), unhealthy(150, started=140),
         running(200, started=140, health="healthy")],
        [QUIET_RUNNING, (S.DEAD, 100, K.DEAD, 1, None), (S.UNHEALTHY, 100, None, None, None),
         (S.RUNNING, 140, K.RECOVERED, None, 40.0)],
        id="dead-then-unhealthy-then-running-recovers-from-the-death",
    ),
    # paused and unpaused: quiet both ways
    pytest.param(
        [running(10), obs("paused", 20, started=0), running(30)],
        [QUIET_RUNNING, (S.PAUSED, 20, None, None, None), (S.RUNNING, 0, None, None, None)],
        id="paused-is-quiet",
    ),
    # a oneshot job exiting 0 completed: no alert
    pytest.param(
        [running(10, oneshot=True), exited(30, 0, finished=25, oneshot=True)],
        [QUIET_RUNNING, (S.COMPLETED, 25, None, 0, None)],
        id="oneshot-exit-0-completes-quietly",
    ),
    # a oneshot job exiting 3 failed: DEAD with exit 3
    pytest.param(
        [running(10, oneshot=True), exited(30, 3, finished=25, oneshot=True)],
        [QUIET_RUNNING, (S.DEAD, 25, K.DEAD, 3, None)],
        id="oneshot-exit-3-is-dead",
    ),
    # a container only created is not watched: no state, no alert
    pytest.param(
        [obs("created", 10)],
        [(None, None, None, None, None)],
        id="created-is-not-watched",
    ),
    # a stale observation (older than the stored one) never overwrites newer state
    pytest.param(
        [running(100), exited(50, 137, finished=40)],
        [QUIET_RUNNING, QUIET_RUNNING],
        id="stale-death-does-not-overwrite-newer-running",
    ),
    # a stale running (a poll that raced an event) does not hide the death: no recovery
    pytest.param(
        [running(10), exited(200, 137, finished=190), running(150)],
        [QUIET_RUNNING, (S.DEAD, 190, K.DEAD, 137, None), (S.DEAD, 190, None, 137, None)],
        id="stale-running-does-not-recover-a-newer-death",
    ),
    # the same observation twice (same observed_at): the second gives no alert
    pytest.param(
        [running(10), exited(105, 137, finished=100), exited(105, 137, finished=100)],
        [QUIET_RUNNING, (S.DEAD, 100, K.DEAD, 137, None), (S.DEAD, 100, None, 137, None)],
        id="repeated-observation-alerts-once",
    ),
    # a later poll of the same death: no second alert
    pytest.param(
        [running(10), exited(105, 137, finished=100), exited(135, 137, finished=100)],
        [QUIET_RUNNING, (S.DEAD, 100, K.DEAD, 137, None), (S.DEAD, 100, None, 137, None)],
        id="later-poll-of-the-same-death-is-quiet",
    ),
    # a container first met already dead (not on the baseline): DEAD
    pytest.param(
        [exited(10, 2, finished=5)],
        [(S.DEAD, 5, K.DEAD, 2, None)],
        id="new-container-already-dead-alerts-dead",
    ),
    # a container first met unhealthy (not on the baseline): UNHEALTHY
    pytest.param(
        [unhealthy(10)],
        [(S.UNHEALTHY, 10, K.UNHEALTHY, None, None)],
        id="new-container-already-unhealthy-alerts-unhealthy",
    ),
    # recreated by Compose (new id) and running: no death, no alert
    pytest.param(
        [running(10, cid="c1"), running(60, started=55, cid="c2")],
        [QUIET_RUNNING, (S.RUNNING, 55, None, None, None)],
        id="recreate-while-running-is-quiet",
    ),
    # recreated while dead and dead again (new id): the open death is kept, no second alert
    pytest.param(
        [running(10), exited(105, 1, finished=100), exited(205, 1, finished=200, cid="c2")],
        [QUIET_RUNNING, (S.DEAD, 100, K.DEAD, 1, None), (S.DEAD, 100, None, 1, None)],
        id="recreated-and-dead-again-keeps-the-open-death",
    ),
]


def outcome(decision: Decision) -> Outcome:
    state, alert = decision.state, decision.alert
    return (
        state.status if state else None,
        (state.since - T0).total_seconds() if state else None,
        alert.kind if alert else None,
        (alert.exit_code if alert else state.exit_code) if state else None,
        alert.downtime_s if alert else None,
    )


@pytest.mark.parametrize(("observations", "expected"), TRANSITIONS)
def test_it_decides_each_transition_by_its_rule(observations: list[Observation],
                                                expected: list[Outcome]) -> None:
    prev: ContainerState | None = None
    got: list[Outcome] = []
    for observation in observations:
        decision = step(prev, observation, host_url=HOST_URL)
        got.append(outcome(decision))
        prev = decision.state
    assert got == expected


def test_it_fills_a_death_alert_from_the_observation() -> None:
    prev = step(None, running(10, channel="ops")).state
    dead = exited(105, 137, finished=100, oom_killed=True, channel="ops",
                  compose_project="shop", compose_service="web")

    alert = step(prev, dead, host_url=HOST_URL).alert

    assert alert is not None
    assert alert.model_dump() == {
        "id": alert_id(K.DEAD, "local", "web", at(100)),
        "kind": K.DEAD,
        "host": "local",
        "host_url": HOST_URL,
        "key": "web",
        "name": "web",
        "image": "nginx:1.27",
        "compose_project": "shop",
        "compose_service": "web",
        "exit_code": 137,
        "oom_killed": True,
        "occurred_at": at(100),
        "downtime_s": None,
        "previous_status": None,
        "channel": "ops",
        "detail": None,
        "summary_lines": [],
        "detected_at": at(105),
        "depends_on": [],
        "related": [],
        "dependents": [],
        "member_ids": [],
        "attempt": None,
        "max_attempts": None,
        "restart_count": None,
        "recovered_by": None,
    }


def test_it_says_what_a_recovery_recovered_from() -> None:
    prev = step(None, exited(10, 1, finished=5)).state
    alert = step(prev, running(40, started=36)).alert
    assert alert is not None
    assert (alert.kind, alert.previous_status, alert.downtime_s, alert.occurred_at) == (
        K.RECOVERED, "dead", 31.0, at(36))


def test_it_carries_the_probe_output_on_an_unhealthy_alert() -> None:
    prev = step(None, running(10)).state
    alert = step(prev, unhealthy(60)).alert
    assert alert is not None
    assert alert.detail == "curl: (7) Failed to connect"


@pytest.mark.parametrize(
    ("observations", "reason"),
    [
        # the reason names the transition, for "why did it alert?"
        pytest.param([running(10), exited(105, 137, finished=100)], "died: running -> dead",
                     id="died"),
        # and says why nothing happened
        pytest.param([running(10), running(5)],
                     "stale or repeated observation: kept the newer state", id="stale"),
        pytest.param([obs("created", 1)], "not started yet (docker state created)",
                     id="created"),
        pytest.param([running(10), obs("paused", 20)], "quiet change: running -> paused",
                     id="paused"),
    ],
)
def test_it_gives_a_reason_for_every_decision(observations: list[Observation],
                                              reason: str) -> None:
    prev: ContainerState | None = None
    decision = None
    for observation in observations:
        decision = step(prev, observation)
        prev = decision.state
    assert decision is not None
    assert decision.reason == reason


# ---------------------------------------------------------------------------------------------
# alert ids
# ---------------------------------------------------------------------------------------------

def test_it_gives_the_same_transition_the_same_alert_id_twice() -> None:
    prev = step(None, running(10)).state
    death = exited(105, 137, finished=100)

    first = step(prev, death, host_url=HOST_URL).alert
    second = step(prev, death, host_url=HOST_URL).alert

    assert first is not None and second is not None
    assert first.id == second.id == alert_id(K.DEAD, "local", "web", at(100))


def test_it_gives_a_later_death_a_different_alert_id() -> None:
    prev = step(None, running(10)).state
    first = step(prev, exited(105, 137, finished=100)).alert
    second = step(prev, exited(305, 137, finished=300)).alert
    assert first is not None and second is not None
    assert first.id != second.id


def test_it_names_a_recovery_by_its_death_and_its_return() -> None:
    prev = step(None, exited(10, 1, finished=5)).state
    recovered = step(prev, running(40, started=36)).alert
    assert recovered is not None
    assert recovered.id == alert_id(K.RECOVERED, "local", "web", at(5), at(36))


def test_it_gives_two_recoveries_at_the_same_moment_from_different_deaths_different_ids() -> None:
    back = running(40, started=36)
    one = step(step(None, exited(10, 1, finished=5)).state, back).alert
    other = step(step(None, exited(10, 1, finished=6)).state, back).alert
    assert one is not None and other is not None
    assert one.id != other.id


@pytest.mark.parametrize(
    ("kind", "host", "key"),
    [
        # short names
        pytest.param(K.DEAD, "local", "web", id="short"),
        # absurdly long host and key still give a nonce Discord accepts
        pytest.param(K.RECOVERED, "h" * 500, "project/" + "s" * 1000 + "/1", id="long"),
        # every kind
        pytest.param(K.UNHEALTHY, "local", "web", id="unhealthy"),
        pytest.param(K.BASELINE, "local", "", id="baseline"),
        pytest.param(K.TEST, "local", "", id="test"),
    ],
)
def test_it_keeps_alert_ids_within_the_discord_nonce_limit(kind: AlertKind, host: str,
                                                           key: str) -> None:
    alert_ids = {alert_id(kind, host, key, at(1)) for _ in range(2)}
    assert len(alert_ids) == 1
    (only,) = alert_ids
    assert len(only) == 24 <= NONCE_MAX_CHARS == 25
    assert only.startswith(f"{kind.value[0]}-")


# ---------------------------------------------------------------------------------------------
# step_host: baseline, removal, completeness
# ---------------------------------------------------------------------------------------------

def snapshot(seen: float, *containers: Observation, complete: bool = True) -> HostSnapshot:
    return HostSnapshot(host="local", observed_at=at(seen), containers=list(containers),
                        complete=complete)


MIXED_HOST = (
    running(100, key="web"),
    exited(100, 137, finished=50, key="db"),
    exited(100, 0, finished=60, key="backup", oneshot=True),
    exited(100, 4, finished=70, key="migrate", oneshot=True),
    obs("paused", 100, key="cache"),
    obs("created", 100, key="fresh"),
)


def test_it_reports_stopped_containers_once_as_a_baseline_summary_on_first_meeting() -> None:
    result = step_host({}, snapshot(100, *MIXED_HOST), host_url=HOST_URL, first_meeting=True)

    assert [a.kind for a in result.alerts] == [K.BASELINE]
    (summary,) = result.alerts
    assert summary.summary_lines == ["db: dead, exit 137", "migrate: dead, exit 4"]
    assert (summary.host, summary.host_url, summary.occurred_at) == ("local", HOST_URL, at(100))
    assert summary.id == alert_id(K.BASELINE, "local", "", at(100))
    assert sorted(result.changed) == ["backup", "cache", "db", "migrate", "web"]
    assert result.removed == []


def test_it_sends_no_baseline_summary_when_nothing_is_stopped() -> None:
    host = (running(100, key="web"), obs("paused", 100, key="cache"),
            exited(100, 0, finished=60, key="backup", oneshot=True))
    result = step_host({}, snapshot(100, *host), first_meeting=True)
    assert result.alerts == []
    assert sorted(result.changed) == ["backup", "cache", "web"]


def test_it_reports_a_container_first_seen_dead_after_the_baseline() -> None:
    states = step_host({}, snapshot(100, running(100, key="web")), first_meeting=True).changed

    later = snapshot(200, running(200, key="web"), exited(200, 1, finished=150, key="worker"))
    result = step_host(states, later, host_url=HOST_URL)

    assert [(a.kind, a.key, a.exit_code, a.occurred_at) for a in result.alerts] == [
        (K.DEAD, "worker", 1, at(150))]


def test_it_reports_a_death_after_the_baseline_once() -> None:
    states = step_host({}, snapshot(100, running(100, key="web")), first_meeting=True).changed

    died = snapshot(200, exited(200, 137, finished=190, key="web"))
    first = step_host(states, died)
    again = step_host({**states, **first.changed}, died)

    assert [(a.kind, a.key) for a in first.alerts] == [(K.DEAD, "web")]
    assert again.alerts == []
    assert again.changed == {}


REMEMBERED = {
    "web": ContainerState(key="web", name="web", container_id="c1", status=S.RUNNING,
                          since=at(0), observed_at=at(100)),
    "db": ContainerState(key="db", name="db", container_id="c2", status=S.DEAD, since=at(50),
                         exit_code=1, observed_at=at(100)),
}


@pytest.mark.parametrize(
    ("snap", "removed"),
    [
        # absent from a complete snapshot: gone from Docker, forgotten silently
        pytest.param(snapshot(200, running(200, key="web")), ["db"], id="complete-removes"),
        # absent from an incomplete snapshot (a container could not be read): kept
        pytest.param(snapshot(200, running(200, key="web"), complete=False), [],
                     id="incomplete-keeps"),
        # absent from a snapshot older than what is remembered: kept
        pytest.param(snapshot(90, running(90, key="web")), [], id="stale-snapshot-keeps"),
        # an empty complete snapshot: everything was removed
        pytest.param(snapshot(200), ["web", "db"], id="empty-removes-all"),
    ],
)
def test_it_forgets_absent_containers_only_from_a_complete_newer_snapshot(
        snap: HostSnapshot, removed: list[str]) -> None:
    result = step_host(REMEMBERED, snap)
    assert result.removed == removed
    assert result.alerts == []
    for key in removed:
        assert result.reasons[key] == f"removed from Docker while {REMEMBERED[key].status.value}"


def test_it_changes_nothing_for_a_repeated_snapshot() -> None:
    snap = snapshot(100, running(100, key="web"), exited(100, 137, finished=50, key="db"))
    first = step_host({}, snap)
    again = step_host(first.changed, snap)

    assert [(a.kind, a.key) for a in first.alerts] == [(K.DEAD, "db")]
    assert again.alerts == []
    assert again.changed == {}
    assert again.removed == []


def test_it_computes_the_same_alert_ids_when_two_workers_apply_the_same_snapshot() -> None:
    states = {"web": REMEMBERED["web"]}
    snap = snapshot(200, exited(200, 137, finished=190, key="web"))
    one, other = step_host(states, snap), step_host(states, snap)
    assert [a.id for a in one.alerts] == [a.id for a in other.alerts]
    assert len(one.alerts) == 1
