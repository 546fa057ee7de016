"""Cascades into incidents: the dependency graph (labels) and the gathering of deaths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.core.alerts import Alert, AlertKind
from sentinel.core.dependencies import dependency_graph, neighbours
from sentinel.core.docker_payloads import dependencies_from
from sentinel.core.incidents import gather
from sentinel.core.model import HostSnapshot, Observation
from sentinel.core.state_machine import step_host

T0 = datetime(2026, 11, 24, 18, 17, tzinfo=UTC)
CHAIN = {"genesis": [], "flux": ["genesis"], "pulse": ["flux"], "veil": ["pulse"]}


@pytest.mark.parametrize(("labels", "expected"), [
    ({"com.docker.compose.depends_on": "db:service_started:false,cache:service_healthy:true"},
     ["db", "cache"]),
    ({"sentinel.depends_on": "a, /b ,,"}, ["a", "b"]),
    ({"com.docker.compose.depends_on": "db:service_started:false",
      "sentinel.depends_on": "db,legacy"}, ["db", "legacy"]),
    ({"com.docker.compose.depends_on": ""}, []),
    ({}, []),
])
def test_dependencies_are_read_from_compose_and_sentinel_labels(labels, expected) -> None:
    assert dependencies_from(labels) == expected


def observation(name: str, deps: list[str], state: str = "running", project: str = "shop",
                seen: float = 0) -> Observation:
    return Observation(host="h", key=f"{project}/{name}/1", name=f"{project}-{name}-1",
                       container_id=name, docker_state=state, exit_code=1 if state != "running"
                       else None, compose_project=project, compose_service=name,
                       depends_on=deps, observed_at=T0 + timedelta(seconds=seen),
                       finished_at=T0 + timedelta(seconds=seen) if state != "running" else None)


def test_the_graph_resolves_services_within_their_project_and_names() -> None:
    nodes = [observation(n, d) for n, d in CHAIN.items()]
    nodes.append(observation("genesis", [], project="other"))
    lone = Observation(host="h", key="cron", name="cron", container_id="x",
                       docker_state="running", depends_on=["shop-flux-1"], observed_at=T0)
    graph = dependency_graph([*nodes, lone])
    assert graph["shop/flux/1"] == {"shop/genesis/1"}, "never the other project's genesis"
    assert graph["cron"] == {"shop/flux/1"}, "by container name"
    assert neighbours(graph, "shop/veil/1") == {"shop/genesis/1", "shop/flux/1",
                                                 "shop/pulse/1", "cron"}
    assert neighbours(graph, "other/genesis/1") == set()


def deaths_in_order(order: list[str]) -> list[Alert]:
    """The chain dies in `order`, 0.1 s apart, each its own event snapshot."""
    states = step_host({}, HostSnapshot(host="h", observed_at=T0, containers=[
        observation(n, d) for n, d in CHAIN.items()]), first_meeting=True).changed
    alerts: list[Alert] = []
    for i, name in enumerate(order):
        seen = 1 + i * 0.1
        result = step_host(states, HostSnapshot(host="h", observed_at=T0 + timedelta(
            seconds=seen), complete=False, containers=[observation(name, CHAIN[name], "exited",
                                                                    seen=seen)]))
        states = {**states, **result.changed}
        alerts += result.alerts
    return alerts


def test_a_cascade_killed_dependents_first_is_one_incident_titled_for_its_root() -> None:
    alerts = deaths_in_order(["veil", "pulse", "flux", "genesis"])
    assert all(a.kind is AlertKind.DEAD and a.related for a in alerts)
    gathered = gather(alerts, T0 + timedelta(seconds=1.4), window_s=3)
    assert len(gathered.ready) == 1 and gathered.hold_s is None, "complete: no need to wait"
    incident = gathered.ready[0]
    assert incident.name == "shop-genesis-1"
    assert incident.dependents == ["shop-flux-1", "shop-pulse-1", "shop-veil-1"]
    assert set(incident.member_ids) == {a.id for a in alerts if a.name != "shop-genesis-1"}


def test_a_partial_cascade_is_held_for_its_window_then_sent_as_it_is() -> None:
    alerts = deaths_in_order(["veil", "pulse"])
    early = gather(alerts, T0 + timedelta(seconds=1.5), window_s=3)
    assert early.ready == [] and early.hold_s == pytest.approx(2.5)
    late = gather(alerts, T0 + timedelta(seconds=4.1), window_s=3)
    assert [a.name for a in late.ready] == ["shop-pulse-1"]
    assert late.ready[0].dependents == ["shop-veil-1"]


def test_unrelated_deaths_stay_separate_and_are_never_held() -> None:
    lone = Alert(id="d-lone", kind=AlertKind.DEAD, host="h", key="cron", name="cron",
                 occurred_at=T0)
    recovery = Alert(id="r-x", kind=AlertKind.RECOVERED, host="h", key="x", name="x",
                     occurred_at=T0)
    gathered = gather([lone, recovery], T0, window_s=3)
    assert gathered.ready == [lone, recovery] and gathered.hold_s is None


def test_a_dependent_whose_dependency_is_alive_is_its_own_alert() -> None:
    alerts = deaths_in_order(["veil", "flux"])  # pulse (between them) is still running
    gathered = gather(alerts, T0 + timedelta(seconds=10), window_s=3)
    assert sorted(a.name for a in gathered.ready) == ["shop-flux-1", "shop-veil-1"]
    assert all(not a.dependents for a in gathered.ready)


def test_the_same_service_names_on_two_hosts_never_join() -> None:
    alerts = deaths_in_order(["pulse", "flux"])
    elsewhere = [a.model_copy(update={"host": "h2", "id": a.id + "x"}) for a in alerts]
    gathered = gather(alerts + elsewhere, T0 + timedelta(seconds=10), window_s=3)
    assert sorted((a.host, a.name) for a in gathered.ready) == [
        ("h", "shop-flux-1"), ("h2", "shop-flux-1")]


def test_a_held_deaths_recovery_waits_with_it() -> None:
    deaths = deaths_in_order(["veil"])
    back = Alert(id="r-veil", kind=AlertKind.RECOVERED, host="h", key=deaths[0].key,
                 name=deaths[0].name, occurred_at=T0 + timedelta(seconds=1.2))
    early = gather([*deaths, back], T0 + timedelta(seconds=1.5), window_s=3)
    assert early.ready == [] and early.hold_s is not None
    late = gather([*deaths, back], T0 + timedelta(seconds=5), window_s=3)
    assert [a.kind for a in late.ready] == [AlertKind.DEAD, AlertKind.RECOVERED]
