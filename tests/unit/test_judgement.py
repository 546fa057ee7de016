"""Issue 5's decisions, pure: intent, loops and flapping, auto-restart within a budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.core.alerts import AlertKind
from sentinel.core.autorestart import docker_will_restart
from sentinel.core.judgement import Judgement, OnStop
from sentinel.core.model import ContainerState, ContainerStatus, Observation
from sentinel.core.state_machine import Decision, step

T0 = datetime(2026, 11, 24, 18, 0, 0, tzinfo=UTC)
S = ContainerStatus
K = AlertKind
J = Judgement(loop_deaths=3, loop_window_s=600, loop_quiet_s=120, restart_backoff_s=2,
              restart_max_attempts=3, restart_window_s=600, restart_probation_s=10)


def at(seconds: float | None) -> datetime | None:
    return None if seconds is None else T0 + timedelta(seconds=seconds)


def obs(state: str, seen: float, *, code: int | None = None, started: float | None = 0,
        finished: float | None = None, asked: float | None = None, restarts: int = 0,
        **extra: Any) -> Observation:
    return Observation(host="h", key="app", name="app", container_id="c1", image="img",
                       docker_state=state, exit_code=code, started_at=at(started),
                       finished_at=at(finished), stop_requested_at=at(asked),
                       restart_count=restarts, observed_at=at(seen) or T0, **extra)


def run(observations: list[Observation], judgement: Judgement = J,
        state: ContainerState | None = None) -> list[Decision]:
    decisions = []
    for o in observations:
        decision = step(state, o, judgement=judgement)
        decisions.append(decision)
        state = decision.state
    return decisions


def kinds(decisions: list[Decision]) -> list[list[AlertKind]]:
    return [[a.kind for a in d.alerts] for d in decisions]


# -- intent ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("observations", "judgement", "expected_kinds", "final"), [
    # docker stop: the kill request (seen as an event while still running), then the exit
    pytest.param([obs("running", 10), obs("running", 20, asked=20),
                  obs("exited", 21, code=143, finished=20.5)], J,
                 [[], [], [K.STOPPED]], S.STOPPED, id="stop-is-a-quiet-notice"),
    pytest.param([obs("running", 10), obs("exited", 21, code=143, finished=20.5, asked=20)],
                 Judgement(on_stop=OnStop.SILENT), [[], []], S.STOPPED,
                 id="stop-can-be-silent"),
    # docker stop on a process that ignores TERM: KILLed 10 s later, still intent
    pytest.param([obs("running", 10), obs("exited", 31, code=137, finished=30, asked=20)], J,
                 [[], [K.STOPPED]], S.STOPPED, id="stop-then-kill-after-grace"),
    # a stop requested, the container started again, then a real crash: DEAD
    pytest.param([obs("running", 10), obs("exited", 21, code=143, finished=20.5, asked=20),
                  obs("running", 40, started=39), obs("exited", 50, code=1, finished=49,
                                                      started=39)], J,
                 [[], [K.STOPPED], [], [K.DEAD]], S.DEAD, id="request-spent-by-a-restart"),
    # a crash long after a request that changed nothing (kill -HUP style): DEAD
    pytest.param([obs("running", 10, asked=5), obs("exited", 400, code=1, finished=399)], J,
                 [[], [K.DEAD]], S.DEAD, id="old-request-is-no-excuse"),
    # no request at all: a death is a death
    pytest.param([obs("running", 10), obs("exited", 21, code=137, finished=20)], J,
                 [[], [K.DEAD]], S.DEAD, id="no-request-dead"),
    # stopped on purpose and started again: nothing to recover from, quiet
    pytest.param([obs("running", 10), obs("exited", 21, code=0, finished=20.5, asked=20),
                  obs("running", 60, started=59)], J,
                 [[], [K.STOPPED], []], S.RUNNING, id="start-after-stop-is-quiet"),
])
def test_intent_is_not_failure(observations, judgement, expected_kinds, final) -> None:
    decisions = run(observations, judgement)
    assert kinds(decisions) == expected_kinds
    assert decisions[-1].state is not None and decisions[-1].state.status is final


# -- loops and flapping ----------------------------------------------------------------------

def crash_loop(policy: str = "always") -> list[Observation]:
    """Docker restarting a crashing container: snapshots alternate running / restarting and
    the restart count moves."""
    seen, out = 10.0, [obs("running", 10, docker_restart_policy=policy)]
    for n in range(1, 6):
        out.append(obs("restarting", seen + 1, code=1, finished=seen + 0.5, restarts=n - 1,
                       docker_restart_policy=policy))
        out.append(obs("running", seen + 2, started=seen + 1.5, restarts=n,
                       docker_restart_policy=policy))
        seen += 3
    return out


def test_a_crash_loop_is_one_restart_loop_alert_then_quiet_until_it_ends() -> None:
    decisions = run(crash_loop())
    flat = [k for ks in kinds(decisions) for k in ks]
    assert flat.count(K.RESTART_LOOP) == 1
    loop_at = next(i for i, d in enumerate(decisions) if d.alert and
                   d.alert.kind is K.RESTART_LOOP)
    assert all(not d.alerts for d in decisions[loop_at + 1:]), "quiet while looping"
    assert all(d.restart is None for d in decisions), "Docker restarts it: Sentinel never"
    state = decisions[-1].state
    assert state is not None and state.looping_since is not None and state.needs_review
    # It has run 120 s without dying: the end is reported once.
    assert state.started_at is not None
    last_start = (state.started_at - T0).total_seconds()
    later = step(state, obs("running", 200, started=last_start, restarts=5,
                            docker_restart_policy="always"), judgement=J)
    assert [a.kind for a in later.alerts] == [K.LOOP_ENDED]
    assert later.alerts[0].previous_status == "running"
    assert later.state is not None and later.state.looping_since is None


def test_restarts_seen_only_as_a_moving_restart_count_still_count() -> None:
    seen = [obs("running", 10, restarts=0, docker_restart_policy="always")]
    seen += [obs("running", 10 + 5 * n, started=9 + 5 * n, restarts=n,
                 docker_restart_policy="always") for n in range(1, 4)]
    decisions = run(seen)
    assert kinds(decisions)[1] == [K.DEAD, K.RECOVERED], "died and back between two looks"
    assert decisions[1].alerts[1].recovered_by == "Docker's restart policy"
    assert kinds(decisions)[3] == [K.RESTART_LOOP]


def test_flapping_without_a_restart_policy_is_one_flapping_alert() -> None:
    seen = [obs("running", 10)]
    for n in range(3):
        seen.append(obs("exited", 20 + 20 * n, code=1, finished=19 + 20 * n, started=n * 20))
        seen.append(obs("running", 30 + 20 * n, started=25 + 20 * n))
    flat = [k for ks in kinds(run(seen)) for k in ks]
    assert flat.count(K.FLAPPING) == 1 and K.RESTART_LOOP not in flat
    assert flat[:4] == [K.DEAD, K.RECOVERED, K.DEAD, K.RECOVERED]


# -- auto-restart ----------------------------------------------------------------------------

@pytest.mark.parametrize(("extra", "code", "restarts"), [
    pytest.param({"restart_label": "on-failure"}, 1, True, id="on-failure-and-failed"),
    pytest.param({"restart_label": "on-failure"}, 0, False, id="on-failure-but-exit-0"),
    pytest.param({"restart_label": "always"}, 0, True, id="always-even-exit-0"),
    pytest.param({}, 1, False, id="fleet-default-never"),
    pytest.param({"restart_label": "never"}, 1, False, id="label-never"),
    pytest.param({"restart_label": "always", "docker_restart_policy": "always"}, 1, False,
                 id="docker-restarts-it-itself"),
    pytest.param({"restart_label": "always", "docker_restart_policy": "on-failure",
                  "docker_restart_max": 3}, 1, False, id="docker-on-failure-has-retries-left"),
])
def test_sentinel_restarts_only_what_nobody_else_will(extra, code, restarts) -> None:
    first, died = run([obs("running", 10, **extra),
                       obs("exited", 21, code=code, finished=20, **extra)])
    assert died.alert is not None and died.alert.kind is K.DEAD
    assert (died.restart is not None) is restarts
    if restarts:
        assert died.restart is not None
        assert (died.restart.attempt, died.restart.max_attempts, died.restart.delay_s) == (1, 3, 2)


def test_fleet_default_applies_without_a_label() -> None:
    _, died = run([obs("running", 10), obs("exited", 21, code=1, finished=20)],
                  Judgement(restart_default="on-failure"))
    assert died.restart is not None


def test_docker_on_failure_that_exhausted_its_retries_is_left_to_sentinel() -> None:
    done = obs("exited", 1, code=1, docker_restart_policy="on-failure", docker_restart_max=3,
               restarts=3)
    assert not docker_will_restart(done)


def with_attempts(state: ContainerState, *seconds: float) -> ContainerState:
    return state.model_copy(update={"restart_attempts": [at(s) for s in seconds]})


def test_a_container_that_keeps_failing_is_restarted_with_backoff_then_one_gave_up() -> None:
    label = {"restart_label": "on-failure"}
    _, died = run([obs("running", 10, **label), obs("exited", 21, code=1, finished=20, **label)])
    state = died.state
    assert state is not None and died.restart is not None
    delays, alerts = [died.restart.delay_s], [a.kind for a in died.alerts]
    clock = 22.0
    for attempt in range(1, 4):  # Sentinel's task records the attempt and starts it
        state = with_attempts(state, *[a.timestamp() - T0.timestamp()
                                       for a in state.restart_attempts], clock)
        up = step(state, obs("running", clock + 1, started=clock + 0.5, **label), judgement=J)
        assert up.alerts == [], "on probation: no recovery yet"
        assert up.state is not None
        down = step(up.state, obs("exited", clock + 2, code=1, finished=clock + 1.5,
                                  started=clock + 0.5, **label), judgement=J)
        alerts += [a.kind for a in down.alerts]
        assert down.state is not None
        state = down.state
        if down.restart:
            assert down.restart.attempt == attempt + 1
            delays.append(down.restart.delay_s)
        clock += 10
    assert delays == [2, 4, 8]
    assert alerts == [K.DEAD, K.GAVE_UP], "one DEAD, then one GAVE UP: nothing in between"
    assert state.gave_up
    again = step(state, obs("exited", clock + 5, code=1, finished=clock - 8.5,
                            started=clock - 9.5, **label), judgement=J)
    assert again.alerts == [] and again.restart is None, "no more attempts"
    back = step(state, obs("running", clock + 60, started=clock + 50, **label), judgement=J)
    assert [a.kind for a in back.alerts] == [K.RECOVERED]
    assert back.alerts[0].recovered_by is None, "brought back by something else"
    assert back.state is not None and not back.state.gave_up


def test_a_restart_that_holds_is_a_recovery_by_sentinel() -> None:
    label = {"restart_label": "on-failure"}
    _, died = run([obs("running", 10, **label), obs("exited", 21, code=1, finished=20, **label)])
    assert died.state is not None
    state = with_attempts(died.state, 22)
    probation = step(state, obs("running", 25, started=22.5, **label), judgement=J)
    assert probation.alerts == [] and probation.state is not None
    assert probation.state.needs_review
    held = step(probation.state, obs("running", 40, started=22.5, **label), judgement=J)
    assert [a.kind for a in held.alerts] == [K.RECOVERED]
    assert held.alerts[0].recovered_by == "Sentinel (attempt 1/3)"
    assert held.alerts[0].downtime_s == pytest.approx(2.5)
    assert held.state is not None and not held.state.needs_review


def test_a_stopped_on_purpose_container_is_never_restarted() -> None:
    label = {"restart_label": "always"}
    _, stopped = run([obs("running", 10, **label),
                      obs("exited", 21, code=143, finished=20.5, asked=20, **label)])
    assert stopped.restart is None and [a.kind for a in stopped.alerts] == [K.STOPPED]


def test_a_paused_container_is_never_restarted() -> None:
    label = {"restart_label": "always"}
    _, paused = run([obs("running", 10, **label), obs("paused", 20, **label)])
    assert paused.restart is None and paused.alerts == []


def test_a_death_seen_afterwards_is_dated_before_its_return() -> None:
    first = obs("running", 10, restarts=0, docker_restart_policy="always")
    later = obs("running", 60, started=50, finished=49, code=1, restarts=1,
                docker_restart_policy="always")
    _, both = run([first, later])
    dead, back = both.alerts
    assert dead.occurred_at == at(49) and back.occurred_at == at(50)
    assert back.downtime_s == 1.0


def test_a_loop_does_not_cancel_sentinels_restart_budget() -> None:
    """restart=always, no Docker policy, dies a minute after each start: FLAPPING once, and
    Sentinel still restarts it within its budget."""
    label = {"restart_label": "always"}
    state = run([obs("running", 10, **label)])[-1].state
    orders, kinds_seen = [], []
    for n in range(3):
        died = step(state, obs("exited", 70 + 100 * n, code=1, finished=69 + 100 * n,
                               started=100 * n, **label), judgement=J)
        kinds_seen += [a.kind for a in died.alerts]
        orders.append(died.restart)
        assert died.state is not None
        back = step(died.state, obs("running", 100 + 100 * n + 50, started=100 + 100 * n,
                                    **label), judgement=J)
        assert back.state is not None
        state = back.state
    assert kinds_seen.count(K.FLAPPING) == 1
    assert orders[2] is not None, "the third death, the loop's, still gets its restart"


def test_stale_cached_details_after_a_restart_do_not_fake_a_death() -> None:
    """Found by the racing-workers test: one worker process still had the details it cached
    before a stop/start (same listing entry, old StartedAt). Its observation must not move
    the start time back, or the next fresh observation looks like a restart in between."""
    fresh = obs("running", 100, started=90)
    stale = obs("running", 101, started=0)  # details cached two restarts ago
    again = obs("running", 102, started=90)
    decisions = run([obs("running", 10), obs("exited", 50, code=137, finished=45), fresh,
                     stale, again])
    assert kinds(decisions) == [[], [K.DEAD], [K.RECOVERED], [], []]
    assert decisions[-1].state is not None and decisions[-1].state.started_at == at(90)
