"""A host that stops answering: one alert after the grace, one when it answers again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.core.alerts import AlertKind
from sentinel.core.host_health import HostHealth, host_answered, host_failed
from sentinel.core.model import HostStatus

T0 = datetime(2026, 11, 24, 18, 17, tzinfo=UTC)
UP = HostHealth(status=HostStatus.UP)


def failed(prev: HostHealth, seconds: int, after: int = 2):  # type: ignore[no-untyped-def]
    return host_failed(prev, host="edge", host_url="tcp://edge:2376",
                       now=T0 + timedelta(seconds=seconds), error="ReadTimeout",
                       after_failures=after)


@pytest.mark.parametrize(
    ("prev", "after", "status", "alerted", "kind"),
    [
        # a first failure is within the grace: no alert, the host is still up
        (UP, 2, HostStatus.UP, False, None),
        # the failure that reaches the threshold alerts, once
        (UP.model_copy(update={"failures": 1, "failing_since": T0}), 2,
         HostStatus.UNREACHABLE, True, AlertKind.UNREACHABLE),
        # with a threshold of one, the first failure alerts
        (UP, 1, HostStatus.UNREACHABLE, True, AlertKind.UNREACHABLE),
        # already alerted: more failures say nothing more
        (HostHealth(status=HostStatus.UNREACHABLE, failures=5, failing_since=T0, alerted=True),
         2, HostStatus.UNREACHABLE, True, None),
    ],
)
def test_a_failed_inspection(prev, after, status, alerted, kind) -> None:
    decision = failed(prev, 10, after)
    assert (decision.health.status, decision.health.alerted) == (status, alerted)
    assert (decision.alert.kind if decision.alert else None) == kind


def test_the_unreachable_alert_dates_from_the_first_failure_and_says_why() -> None:
    first = failed(UP, 0)
    second = failed(first.health, 4)
    assert second.alert is not None
    assert second.alert.occurred_at == T0
    assert second.alert.detail == "ReadTimeout"


@pytest.mark.parametrize(
    ("prev", "kind", "reason"),
    [
        # it never failed
        (UP, None, "answers"),
        # it failed within the grace: nobody was told, nobody is told now
        (UP.model_copy(update={"failures": 1, "failing_since": T0}), None,
         "answers again after 1 failure(s), within the grace"),
        # it was reported unreachable: its return is reported, with how long
        (HostHealth(status=HostStatus.UNREACHABLE, failures=3, failing_since=T0, alerted=True),
         AlertKind.HOST_RECOVERED, "answers again after being unreachable"),
    ],
)
def test_an_answer(prev, kind, reason) -> None:
    decision = host_answered(prev, host="edge", host_url="tcp://edge:2376",
                             now=T0 + timedelta(seconds=31))
    assert decision.health == UP
    assert (decision.alert.kind if decision.alert else None) == kind
    assert decision.reason == reason
    if decision.alert:
        assert decision.alert.downtime_s == 31
