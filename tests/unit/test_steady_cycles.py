"""A steady host's cycle: nothing rewritten, nothing to decide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.core.docker_payloads import listing_digest
from sentinel.core.model import HostSnapshot, Observation
from sentinel.core.state_machine import step_host

T0 = datetime(2026, 11, 24, 18, 17, tzinfo=UTC)


def snapshot(at: datetime, state: str = "running", complete: bool = True,
             health: str | None = None) -> HostSnapshot:
    return HostSnapshot(host="h", observed_at=at, complete=complete, containers=[
        Observation(host="h", key=f"c{i}", name=f"c{i}", container_id=f"id{i}", image="img",
                    docker_state=state, started_at=T0, health=health, observed_at=at)
        for i in range(3)])


def entry(i: int = 0, **changes: object) -> dict[str, object]:
    summary: dict[str, object] = {"Id": f"id{i}", "Names": [f"/c{i}"], "Image": "img",
                                  "State": "running", "Status": "Up 3 hours", "Labels": {}}
    return {**summary, **changes}


def test_a_later_identical_listing_has_the_same_digest_whatever_its_order_or_uptime() -> None:
    base = listing_digest([entry(0), entry(1)])
    assert base is not None
    assert listing_digest([entry(1, Status="Up 4 hours"), entry(0)]) == base


@pytest.mark.parametrize("change", [
    {"State": "exited", "Status": "Exited (137) 2 seconds ago"},
    {"Status": "Up 3 hours (unhealthy)"},
    {"Id": "id9"},  # recreated
    {"Names": ["/renamed"]},
    {"Image": "img:2"},
    {"State": "restarting", "Status": "Restarting (1) 1 second ago"},
])
def test_any_change_the_alert_step_decides_on_changes_the_digest(change) -> None:
    assert listing_digest([entry(0, **change), entry(1)]) != listing_digest([entry(0), entry(1)])


def test_an_exit_code_change_between_two_exited_listings_changes_the_digest() -> None:
    first = entry(0, State="exited", Status="Exited (1) 1 minute ago")
    second = entry(0, State="exited", Status="Exited (137) 1 second ago")
    assert listing_digest([first]) != listing_digest([second])


def test_unwatched_containers_do_not_count_and_malformed_entries_have_no_digest() -> None:
    quiet = entry(5, Labels={"sentinel.enable": "false"}, State="exited")
    assert listing_digest([entry(0), quiet]) == listing_digest([entry(0)])
    assert listing_digest([entry(0), "not an object"]) is None
    assert listing_digest([entry(0, Labels=["not", "a", "map"])]) is None


def test_a_state_whose_only_news_is_its_time_is_not_rewritten() -> None:
    first = step_host({}, snapshot(T0), first_meeting=True)
    again = step_host(first.changed, snapshot(T0 + timedelta(seconds=30)))
    assert again.changed == {} and again.alerts == []
    died = step_host(first.changed, snapshot(T0 + timedelta(seconds=60), state="exited"))
    assert set(died.changed) == {"c0", "c1", "c2"} and len(died.alerts) == 3
