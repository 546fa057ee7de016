"""Docker Engine API answers -> observations (sentinel/core/docker_payloads.py)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from sentinel.core.docker_payloads import (
    Details,
    DockerPayloadError,
    details_from_inspect,
    details_outdated,
    identity_key,
    is_watched,
    keep_one_per_identity,
    observation_from,
    parse_docker_time,
    summary_fingerprint,
    uptime_upper_bound_s,
)
from sentinel.core.model import Observation

SEEN = datetime(2026, 11, 24, 18, 30, 0, tzinfo=UTC)
WEB_ID = "3ece4d91eacf" + "a1b2c3d4" * 6 + "e5f6a7b8"
DB_ID = "9f86d081884c" + "7d659a2f" * 6 + "eaa0c55a"

# --- GET /containers/json?all=1 entries ------------------------------------------------------

COMPOSE_LABELS = {
    "com.docker.compose.config-hash": "b6f3c0e1",
    "com.docker.compose.container-number": "1",
    "com.docker.compose.oneoff": "False",
    "com.docker.compose.project": "shop",
    "com.docker.compose.project.working_dir": "/srv/shop",
    "com.docker.compose.service": "web",
    "com.docker.compose.version": "2.29.7",
    "sentinel.channel": "shop-alerts",
}

WEB_SUMMARY: dict[str, Any] = {
    "Id": WEB_ID,
    "Names": ["/shop-web-1"],
    "Image": "nginx:1.27",
    "ImageID": "sha256:5ef79149e0ec84a7a9f9284c3f91aa3c20608f8391f5445eabe92ef07dbda03c",
    "Command": "/docker-entrypoint.sh nginx -g 'daemon off;'",
    "Created": 1764007200,
    "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}],
    "Labels": COMPOSE_LABELS,
    "State": "running",
    "Status": "Up 5 minutes (healthy)",
    "HostConfig": {"NetworkMode": "shop_default"},
    "NetworkSettings": {"Networks": {"shop_default": {"IPAddress": "172.18.0.2"}}},
    "Mounts": [],
}

DB_SUMMARY: dict[str, Any] = {
    "Id": DB_ID,
    "Names": ["/db"],
    "Image": "postgres:16",
    "ImageID": "sha256:0f5e3a4b",
    "Command": "docker-entrypoint.sh postgres",
    "Created": 1764000000,
    "Ports": [],
    "Labels": {},
    "State": "exited",
    "Status": "Exited (137) 2 minutes ago",
    "HostConfig": {"NetworkMode": "bridge"},
    "NetworkSettings": {"Networks": {}},
    "Mounts": [{"Type": "volume", "Name": "pgdata", "Destination": "/var/lib/postgresql/data"}],
}

# --- GET /containers/{id}/json replies -------------------------------------------------------

WEB_INSPECT: dict[str, Any] = {
    "Id": WEB_ID,
    "Created": "2026-11-24T18:00:00.123456789Z",
    "Path": "/docker-entrypoint.sh",
    "Args": ["nginx", "-g", "daemon off;"],
    "State": {
        "Status": "running", "Running": True, "Paused": False, "Restarting": False,
        "OOMKilled": False, "Dead": False, "Pid": 4242, "ExitCode": 0, "Error": "",
        "StartedAt": "2026-11-24T18:25:00.987654321Z",
        "FinishedAt": "0001-01-01T00:00:00Z",
        "Health": {
            "Status": "healthy",
            "FailingStreak": 0,
            "Log": [
                {"Start": "2026-11-24T18:29:00.1Z", "End": "2026-11-24T18:29:00.2Z",
                 "ExitCode": 0, "Output": "old probe\n"},
                {"Start": "2026-11-24T18:29:30.1Z", "End": "2026-11-24T18:29:30.2Z",
                 "ExitCode": 0, "Output": "  OK\n"},
            ],
        },
    },
    "Image": "sha256:5ef79149e0ec84a7a9f9284c3f91aa3c20608f8391f5445eabe92ef07dbda03c",
    "Name": "/shop-web-1",
    "RestartCount": 2,
    "Config": {"Image": "nginx:1.27", "Labels": COMPOSE_LABELS},
}

DB_INSPECT: dict[str, Any] = {
    "Id": DB_ID,
    "Created": "2026-11-24T16:00:00Z",
    "State": {
        "Status": "exited", "Running": False, "Paused": False, "Restarting": False,
        "OOMKilled": True, "Dead": False, "Pid": 0, "ExitCode": 137, "Error": "",
        "StartedAt": "2026-11-24T17:00:00.5+01:00",
        "FinishedAt": "2026-11-24T18:28:29.000000001Z",
    },
    "Name": "/db",
    "RestartCount": 0,
    "Config": {"Image": "postgres:16", "Labels": {}},
}


def with_changes(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    changed.update(changes)
    return changed


def with_state(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    changed["State"].update(changes)
    return changed


# ---------------------------------------------------------------------------------------------
# parse_docker_time
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # nanoseconds are cut to microseconds
        pytest.param("2026-11-24T18:25:00.987654321Z",
                     datetime(2026, 11, 24, 18, 25, 0, 987654, tzinfo=UTC), id="nanoseconds-z"),
        # no fraction
        pytest.param("2026-11-24T18:25:00Z", datetime(2026, 11, 24, 18, 25, tzinfo=UTC),
                     id="whole-seconds"),
        # a short fraction
        pytest.param("2026-11-24T18:25:00.5Z",
                     datetime(2026, 11, 24, 18, 25, 0, 500000, tzinfo=UTC), id="short-fraction"),
        # an offset is converted to UTC
        pytest.param("2026-11-24T19:25:00.123456789+01:00",
                     datetime(2026, 11, 24, 18, 25, 0, 123456, tzinfo=UTC), id="plus-offset"),
        pytest.param("2026-11-24T13:25:00-05:00", datetime(2026, 11, 24, 18, 25, tzinfo=UTC),
                     id="minus-offset"),
        # Go's zero time means never
        pytest.param("0001-01-01T00:00:00Z", None, id="go-zero-time"),
        # absent means never
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
    ],
)
def test_it_reads_docker_times(value: str | None, expected: datetime | None) -> None:
    parsed = parse_docker_time(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(0)
        assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param("2026-11-24 18:25:00", id="no-zone"),
        pytest.param("2026-11-24T18:25Z", id="no-seconds"),
        pytest.param("2026-13-45T18:25:00Z", id="impossible-date"),
        pytest.param("2026-11-24T25:61:00Z", id="impossible-time"),
        pytest.param(1764007200, id="a-number"),
    ],
)
def test_it_refuses_unreadable_times(value: Any) -> None:
    with pytest.raises(DockerPayloadError, match="unreadable time"):
        parse_docker_time(value)


# ---------------------------------------------------------------------------------------------
# summary_fingerprint
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("before", "after", "same"),
    [
        # the running time ticking is no change
        pytest.param({"Status": "Up 5 minutes"}, {"Status": "Up 6 minutes"}, True,
                     id="up-time-ticks"),
        pytest.param({"Status": "Up 5 minutes (healthy)"}, {"Status": "Up 2 hours (healthy)"},
                     True, id="healthy-up-time-ticks"),
        # the exit age ticking is no change
        pytest.param({"State": "exited", "Status": "Exited (1) 2 minutes ago"},
                     {"State": "exited", "Status": "Exited (1) 3 minutes ago"}, True,
                     id="exit-age-ticks"),
        # health changes
        pytest.param({"Status": "Up 5 minutes (healthy)"}, {"Status": "Up 5 minutes (unhealthy)"},
                     False, id="health-changes"),
        pytest.param({"Status": "Up 5 seconds (health: starting)"},
                     {"Status": "Up 35 seconds (healthy)"}, False, id="health-starts"),
        # exit code changes
        pytest.param({"State": "exited", "Status": "Exited (0) 2 minutes ago"},
                     {"State": "exited", "Status": "Exited (137) 2 minutes ago"}, False,
                     id="exit-code-changes"),
        # state changes
        pytest.param({"State": "running"}, {"State": "exited"}, False, id="state-changes"),
        # a recreated container (new id)
        pytest.param({"Id": WEB_ID}, {"Id": DB_ID}, False, id="id-changes"),
    ],
)
def test_it_fingerprints_only_what_is_worth_an_inspect(before: dict[str, Any],
                                                       after: dict[str, Any],
                                                       same: bool) -> None:
    first = summary_fingerprint(with_changes(WEB_SUMMARY, **before))
    second = summary_fingerprint(with_changes(WEB_SUMMARY, **after))
    assert (first == second) is same


def test_it_fingerprints_a_realistic_entry_exactly() -> None:
    assert summary_fingerprint(WEB_SUMMARY) == (WEB_ID, "running", "|healthy")
    assert summary_fingerprint(DB_SUMMARY) == (DB_ID, "exited", "137|")


# ---------------------------------------------------------------------------------------------
# identity_key and is_watched
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "labels", "key"),
    [
        # a Compose container: project/service/number, not its name
        pytest.param("shop-web-1", COMPOSE_LABELS, "shop/web/1", id="compose"),
        # a scaled replica keeps its number
        pytest.param("shop-web-3", {**COMPOSE_LABELS, "com.docker.compose.container-number": "3"},
                     "shop/web/3", id="compose-replica"),
        # no number label: 1
        pytest.param("shop-web", {"com.docker.compose.project": "shop",
                                  "com.docker.compose.service": "web"}, "shop/web/1",
                     id="compose-without-number"),
        # a one-off `compose run` container is known by its name
        pytest.param("shop-web-run-8c1e", {**COMPOSE_LABELS, "com.docker.compose.oneoff": "True"},
                     "shop-web-run-8c1e", id="compose-oneoff"),
        # a plain container: its name
        pytest.param("db", {}, "db", id="plain"),
        # half the Compose labels: its name
        pytest.param("odd", {"com.docker.compose.project": "shop"}, "odd", id="project-only"),
    ],
)
def test_it_identifies_containers_across_recreation(name: str, labels: dict[str, str],
                                                    key: str) -> None:
    assert identity_key(name, labels) == key


@pytest.mark.parametrize(
    ("labels", "watched"),
    [
        pytest.param({}, True, id="no-label"),
        pytest.param({"sentinel.enable": "true"}, True, id="enabled"),
        pytest.param({"sentinel.enable": "false"}, False, id="false"),
        pytest.param({"sentinel.enable": "False"}, False, id="False"),
        pytest.param({"sentinel.enable": " FALSE "}, False, id="spaced-upper"),
        pytest.param({"sentinel.enable": "0"}, False, id="zero"),
        pytest.param({"sentinel.enable": "no"}, False, id="no"),
        pytest.param({"sentinel.enable": "off"}, False, id="off"),
        pytest.param({"other.enable": "false"}, True, id="other-label"),
    ],
)
def test_it_skips_containers_labelled_sentinel_enable_false(labels: dict[str, str],
                                                             watched: bool) -> None:
    assert is_watched(labels) is watched


# ---------------------------------------------------------------------------------------------
# details_from_inspect + observation_from on realistic payloads
# ---------------------------------------------------------------------------------------------

def test_it_reads_a_healthy_compose_container() -> None:
    details = details_from_inspect(WEB_INSPECT)
    assert details == Details(
        exit_code=0, oom_killed=False, restart_count=2,
        started_at=datetime(2026, 11, 24, 18, 25, 0, 987654, tzinfo=UTC), finished_at=None,
        health="healthy", health_output="OK",
    )

    observation = observation_from("local", WEB_SUMMARY, details, SEEN)
    assert observation == Observation(
        host="local", key="shop/web/1", name="shop-web-1", container_id=WEB_ID,
        image="nginx:1.27", docker_state="running", exit_code=0, oom_killed=False,
        restart_count=2, started_at=datetime(2026, 11, 24, 18, 25, 0, 987654, tzinfo=UTC),
        finished_at=None, health="healthy", health_output="OK", oneshot=False,
        channel="shop-alerts", compose_project="shop", compose_service="web", observed_at=SEEN,
    )


def test_it_reads_an_oom_killed_plain_container() -> None:
    details = details_from_inspect(DB_INSPECT)
    observation = observation_from("edge", DB_SUMMARY, details, SEEN)
    assert observation == Observation(
        host="edge", key="db", name="db", container_id=DB_ID, image="postgres:16",
        docker_state="exited", exit_code=137, oom_killed=True, restart_count=0,
        started_at=datetime(2026, 11, 24, 16, 0, 0, 500000, tzinfo=UTC),
        finished_at=datetime(2026, 11, 24, 18, 28, 29, tzinfo=UTC), health=None,
        health_output=None, oneshot=False, channel=None, compose_project=None,
        compose_service=None, observed_at=SEEN,
    )


@pytest.mark.parametrize(
    ("labels", "oneshot"),
    [
        pytest.param({"sentinel.oneshot": "true"}, True, id="oneshot-label"),
        pytest.param({"sentinel.oneshot": "yes"}, True, id="oneshot-yes"),
        pytest.param({"sentinel.oneshot": "false"}, False, id="oneshot-false"),
        # a `compose run` container is a job too
        pytest.param({**COMPOSE_LABELS, "com.docker.compose.oneoff": "True"}, True,
                     id="compose-oneoff"),
        pytest.param({}, False, id="none"),
    ],
)
def test_it_reads_the_oneshot_labels(labels: dict[str, str], oneshot: bool) -> None:
    summary = with_changes(DB_SUMMARY, Labels=labels)
    assert observation_from("local", summary, Details(), SEEN).oneshot is oneshot


def test_it_reads_a_container_without_labels_or_health() -> None:
    summary = with_changes(DB_SUMMARY, Labels=None)
    inspect = with_state(DB_INSPECT, Health=None)
    observation = observation_from("local", summary, details_from_inspect(inspect), SEEN)
    assert (observation.key, observation.health, observation.channel) == ("db", None, None)


def test_it_reads_an_unhealthy_probe_output_from_the_last_log_entry() -> None:
    inspect = with_state(WEB_INSPECT, Health={
        "Status": "unhealthy", "FailingStreak": 3,
        "Log": [{"ExitCode": 0, "Output": "ok"},
                {"ExitCode": 7, "Output": "curl: (7) Failed to connect\n"}],
    })
    details = details_from_inspect(inspect)
    assert (details.health, details.health_output) == ("unhealthy", "curl: (7) Failed to connect")


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        # no Names
        pytest.param(with_changes(WEB_SUMMARY, Names=[]),
                     "container 3ece4d91eacf has no name", id="no-names"),
        pytest.param({k: v for k, v in WEB_SUMMARY.items() if k != "Names"},
                     "container 3ece4d91eacf has no name", id="names-missing"),
        pytest.param(with_changes(WEB_SUMMARY, Names=[42]),
                     "container 3ece4d91eacf has no name", id="name-not-a-string"),
        # no State
        pytest.param({k: v for k, v in WEB_SUMMARY.items() if k != "State"},
                     "container shop-web-1: missing State", id="no-state"),
        # no Id
        pytest.param({k: v for k, v in WEB_SUMMARY.items() if k != "Id"},
                     "container shop-web-1: missing Id", id="no-id"),
        # Labels not an object
        pytest.param(with_changes(WEB_SUMMARY, Labels=["a=b"]),
                     "container shop-web-1: Labels is not an object", id="labels-a-list"),
    ],
)
def test_it_refuses_a_malformed_listing_entry_naming_the_container(summary: dict[str, Any],
                                                                  message: str) -> None:
    with pytest.raises(DockerPayloadError) as raised:
        observation_from("local", summary, Details(), SEEN)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("inspect", "problem"),
    [
        # no State
        pytest.param({k: v for k, v in WEB_INSPECT.items() if k != "State"},
                     "inspect reply has no State object", id="no-state"),
        pytest.param(with_changes(WEB_INSPECT, State="running"),
                     "inspect reply has no State object", id="state-a-string"),
        # an unreadable time
        pytest.param(with_state(WEB_INSPECT, StartedAt="yesterday"),
                     "inspect reply unreadable: unreadable time 'yesterday'", id="bad-time"),
        pytest.param(with_state(WEB_INSPECT, FinishedAt=12), "inspect reply unreadable",
                     id="time-a-number"),
        # an exit code that is no number
        pytest.param(with_state(WEB_INSPECT, ExitCode="abc"), "inspect reply unreadable",
                     id="exit-code-text"),
        # a restart count that is no number
        pytest.param(with_changes(WEB_INSPECT, RestartCount="many"), "inspect reply unreadable",
                     id="restart-count-text"),
        # a Health that is no object, a Log that is no list
        pytest.param(with_state(WEB_INSPECT, Health="healthy"), "inspect reply unreadable",
                     id="health-a-string"),
        pytest.param(with_state(WEB_INSPECT, Health={"Status": "healthy", "Log": {"a": 1}}),
                     "inspect reply unreadable", id="log-an-object"),
    ],
)
def test_it_refuses_a_malformed_inspect_reply_naming_the_container(inspect: dict[str, Any],
                                                                  problem: str) -> None:
    with pytest.raises(DockerPayloadError) as raised:
        details_from_inspect(inspect)
    assert str(raised.value).startswith(f"container shop-web-1: {problem}")


def test_it_names_an_unnamed_inspect_reply_by_its_short_id() -> None:
    inspect = {k: v for k, v in WEB_INSPECT.items() if k not in ("Name", "State")}
    with pytest.raises(DockerPayloadError, match="^container 3ece4d91eacf: "):
        details_from_inspect(inspect)


# ---------------------------------------------------------------------------------------------
# keep_one_per_identity
# ---------------------------------------------------------------------------------------------

def compose_obs(docker_state: str, cid: str, name: str = "shop-web-1") -> Observation:
    return Observation(host="local", key="shop/web/1", name=name, container_id=cid,
                       docker_state=docker_state, observed_at=SEEN)


OLD = compose_obs("exited", "old", name="3ece4d91eacf_shop-web-1")
NEW = compose_obs("running", "new")
CREATED = compose_obs("created", "newer")
OTHER = Observation(host="local", key="db", name="db", container_id="d", docker_state="exited",
                    observed_at=SEEN)


@pytest.mark.parametrize(
    ("observations", "kept"),
    [
        # during a recreate the running one wins, whatever the order
        pytest.param([OLD, NEW], ["new"], id="old-first"),
        pytest.param([NEW, OLD], ["new"], id="new-first"),
        # exited beats only-created
        pytest.param([CREATED, OLD], ["old"], id="exited-over-created"),
        pytest.param([OLD, CREATED, NEW], ["new"], id="three-way"),
        # other identities are untouched, in order
        pytest.param([OTHER, OLD, NEW], ["d", "new"], id="others-kept"),
        pytest.param([], [], id="empty"),
    ],
)
def test_it_keeps_the_most_alive_container_per_identity(observations: list[Observation],
                                                        kept: list[str]) -> None:
    assert [o.container_id for o in keep_one_per_identity(observations)] == kept


def test_it_treats_offsets_as_the_same_instant() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert parse_docker_time("2026-11-24T20:30:00+02:00") == datetime(2026, 11, 24, 20, 30,
                                                                      tzinfo=plus_two)


@pytest.mark.parametrize(("status", "bound"), [
    ("Up Less than a second", 1.0), ("Up 1 second", 2.0), ("Up 45 seconds", 46.0),
    ("Up About a minute", 120.0), ("Up 3 minutes (healthy)", 240.0),
    ("Up About an hour", 7200.0), ("Up 5 hours (Paused)", 6 * 3600.0),
    ("Up 2 days", 3 * 86_400.0), ("Up 3 weeks", 4 * 7 * 86_400.0),
    ("Exited (0) 2 minutes ago", None), ("Restarting (1) 3 seconds ago", None), ("", None)])
def test_the_listings_uptime_bounds_how_long_it_has_been_up(status, bound) -> None:
    assert uptime_upper_bound_s(status) == bound


def test_details_cached_before_a_restart_are_outdated() -> None:
    now = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    old = Details(started_at=now - timedelta(hours=2))
    assert details_outdated(old, {"Status": "Up 3 seconds"}, now)
    assert not details_outdated(old, {"Status": "Up 2 hours"}, now)
    assert not details_outdated(Details(started_at=now - timedelta(seconds=2)),
                                {"Status": "Up 3 seconds"}, now)
    assert not details_outdated(old, {"Status": "Exited (1) 1 second ago"}, now)
