"""A steady host's cycle: nothing rewritten, nothing to decide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sentinel.core.model import HostSnapshot, Observation, listing_digest
from sentinel.core.state_machine import step_host

T0 = datetime(2026, 11, 24, 18, 17, tzinfo=UTC)


def snapshot(at: datetime, state: str = "running", complete: bool = True,
             health: str | None = None) -> HostSnapshot:
    return HostSnapshot(host="h", observed_at=at, complete=complete, containers=[
        Observation(host="h", key=f"c{i}", name=f"c{i}", container_id=f"id{i}", image="img",
                    docker_state=state, started_at=T0, health=health, observed_at=at)
        for i in range(3)])


def test_a_later_identical_listing_has_the_same_digest() -> None:
    assert listing_digest(snapshot(T0)) == listing_digest(snapshot(T0 + timedelta(seconds=30)))


def test_any_change_the_alert_step_decides_on_changes_the_digest() -> None:
    base = listing_digest(snapshot(T0))
    assert listing_digest(snapshot(T0, state="exited")) != base
    assert listing_digest(snapshot(T0, health="unhealthy")) != base


def test_an_incomplete_listing_has_no_digest() -> None:
    assert listing_digest(snapshot(T0, complete=False)) is None


def test_a_state_whose_only_news_is_its_time_is_not_rewritten() -> None:
    first = step_host({}, snapshot(T0), first_meeting=True)
    again = step_host(first.changed, snapshot(T0 + timedelta(seconds=30)))
    assert again.changed == {} and again.alerts == []
    died = step_host(first.changed, snapshot(T0 + timedelta(seconds=60), state="exited"))
    assert set(died.changed) == {"c0", "c1", "c2"} and len(died.alerts) == 3
