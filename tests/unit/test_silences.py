"""Silences (pure): what they cover, and what their end reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.core.alerts import Alert, AlertKind
from sentinel.core.durations import parse_duration
from sentinel.core.model import ContainerState, ContainerStatus
from sentinel.core.silences import Silence, changes_while_silenced, parse_target, silencing

T0 = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def silence(target: str | None, **extra: object) -> Silence:
    return Silence.model_validate({"id": "s-1", "host": "web01", "target": target,
                                   "until": T0 + timedelta(hours=2), "created_at": T0, **extra})


def alert(key: str = "shop/api/1", name: str = "shop-api-1", project: str | None = "shop",
          host: str = "web01", kind: AlertKind = AlertKind.DEAD) -> Alert:
    return Alert(id="d-1", kind=kind, host=host, key=key, name=name, compose_project=project,
                 occurred_at=T0)


@pytest.mark.parametrize(("target", "candidate", "covered"), [
    (None, alert(), True),  # the whole host
    (None, alert(kind=AlertKind.UNREACHABLE, key="", name=""), True),
    (None, alert(host="web02"), False),
    ("shop", alert(), True),  # its Compose project
    ("shop-api-1", alert(), True),  # its name
    ("shop/api/1", alert(), True),  # its identity key
    ("blog", alert(), False),
    ("shop", alert(kind=AlertKind.UNREACHABLE, key="", name="", project=None), False),
    (None, alert(kind=AlertKind.TEST), False),  # a test alert always goes out
])
def test_what_a_silence_covers(target, candidate, covered) -> None:
    assert (silencing(candidate, [silence(target)], T0) is not None) is covered


def test_an_ended_silence_covers_nothing() -> None:
    assert silencing(alert(), [silence(None)], T0 + timedelta(hours=3)) is None


def state(key: str, status: ContainerStatus, exit_code: int | None = None) -> ContainerState:
    return ContainerState(key=key, name=key, container_id="c", status=status, since=T0,
                          exit_code=exit_code, observed_at=T0, compose_project="shop")


def test_its_end_reports_what_differs_from_its_start() -> None:
    began = silence("shop", at_start={"api": "running", "db": "running", "gone": "dead",
                                      "cron": "dead"})
    now = {"api": state("api", ContainerStatus.DEAD, 137),
           "db": state("db", ContainerStatus.RUNNING),
           "cron": state("cron", ContainerStatus.RUNNING),
           "new": state("new", ContainerStatus.DEAD, 1)}
    assert changes_while_silenced(began, now) == [
        "api: running → dead (exit 137)", "cron: dead → running", "gone: dead → removed",
        "new: new → dead (exit 1)"]


@pytest.mark.parametrize(("text", "expected"), [
    ("web01", ("web01", None)), ("web01/shop", ("web01", "shop")),
    ("web01/shop/api/1", ("web01", "shop/api/1")), ("web01/", ("web01", None))])
def test_targets(text, expected) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("bad", ["/shop", ""])
def test_a_target_needs_a_host(bad) -> None:
    with pytest.raises(ValueError, match="give a host"):
        parse_target(bad)


@pytest.mark.parametrize(("text", "seconds"), [
    ("2h", 7200), ("30m", 1800), ("1h30m", 5400), ("45s", 45), ("1d", 86400), ("1.5h", 5400)])
def test_durations(text, seconds) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "2x", "h", "0m", "2 hours"])
def test_bad_durations_say_so(bad) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)
