"""Alerts -> Discord embeds (sentinel/core/embeds.py), valid by construction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sentinel.core import discord_limits as lim
from sentinel.core.alerts import Alert, AlertKind
from sentinel.core.embeds import GREEN, RED, embed_chars, recovery_command, render
from sentinel.core.markdown import TRUNCATION_MARK

DIED_AT = datetime(2026, 11, 24, 18, 20, 0, tzinfo=UTC)
FENCE = "```"


def alert(kind: AlertKind = AlertKind.DEAD, **fields: Any) -> Alert:
    values: dict[str, Any] = {
        "id": f"{kind.value[0]}-0123456789abcdef012345", "kind": kind, "host": "local",
        "host_url": "tcp://10.0.0.5:2375", "key": "web", "name": "web", "image": "nginx:1.27",
        "occurred_at": DIED_AT,
    }
    values.update(fields)
    return Alert(**values)


def field(embed: dict[str, Any], name: str) -> str:
    values = [f["value"] for f in embed["fields"] if f["name"] == name]
    assert len(values) == 1, f"expected one field {name!r}, got {embed['fields']!r}"
    return values[0]


def field_names(embed: dict[str, Any]) -> list[str]:
    return [f["name"] for f in embed["fields"]]


# ---------------------------------------------------------------------------------------------
# DEAD
# ---------------------------------------------------------------------------------------------

def test_it_renders_a_death_with_everything_a_person_needs() -> None:
    embed = render(alert(exit_code=137))

    assert embed["title"] == "[DEAD] web"
    assert embed["color"] == RED == 0xED4245
    assert embed["timestamp"] == "2026-11-24T18:20:00+00:00"
    assert embed["description"] == "**web** on **local** died: exit 137 (SIGKILL)."
    assert field_names(embed) == ["Exit code", "Host", "Image", "Died at", "Recover with"]
    assert field(embed, "Exit code") == "137 (SIGKILL)"
    assert field(embed, "Host") == "local"
    assert field(embed, "Image") == "nginx:1.27"
    assert field(embed, "Died at") == "2026-11-24 18:20:00 UTC"
    assert field(embed, "Recover with") == "```\ndocker -H tcp://10.0.0.5:2375 start web\n```"
    assert embed["footer"] == {"text": "Sentinel · d-0123456789abcdef012345"}


def test_it_says_oom_when_the_kernel_killed_it() -> None:
    embed = render(alert(exit_code=137, oom_killed=True))
    assert field(embed, "Exit code") == "137 (SIGKILL, OOM-killed)"
    assert field(embed, "OOM") == "killed by the kernel for lack of memory"
    assert field_names(embed)[:2] == ["Exit code", "OOM"]


@pytest.mark.parametrize(
    ("exit_code", "shown"),
    [
        # SIGTERM
        pytest.param(143, "143 (SIGTERM)", id="sigterm"),
        # a plain exit
        pytest.param(3, "3", id="plain"),
        # unknown code
        pytest.param(None, "unknown", id="unknown"),
    ],
)
def test_it_shows_the_exit_code_with_its_signal(exit_code: int | None, shown: str) -> None:
    assert field(render(alert(exit_code=exit_code)), "Exit code") == shown


@pytest.mark.parametrize(
    ("fields", "command"),
    [
        # a plain container: start it on its host
        pytest.param({"host_url": "tcp://10.0.0.5:2375"},
                     "docker -H tcp://10.0.0.5:2375 start web", id="plain"),
        # no url known: the local socket
        pytest.param({"host_url": ""}, "docker -H unix:///var/run/docker.sock start web",
                     id="default-socket"),
        # a Compose service: bring the service up in its project
        pytest.param({"compose_project": "shop", "compose_service": "api", "name": "shop-api-1"},
                     "docker compose -p shop up -d api", id="compose"),
        # only a project label: not enough for compose, start by name
        pytest.param({"compose_project": "shop", "host_url": "ssh://ops@edge"},
                     "docker -H ssh://ops@edge start web", id="project-only"),
    ],
)
def test_it_offers_a_recovery_command(fields: dict[str, Any], command: str) -> None:
    dead = alert(exit_code=1, **fields)
    assert recovery_command(dead) == command
    assert field(render(dead), "Recover with") == f"```\n{command}\n```"


def test_it_puts_compose_project_and_service_in_fields() -> None:
    embed = render(alert(exit_code=1, name="shop-api-1", compose_project="shop",
                         compose_service="api"))
    assert embed["title"] == "[DEAD] shop-api-1"
    assert field(embed, "Compose project") == "shop"
    assert field(embed, "Compose service") == "api"


# ---------------------------------------------------------------------------------------------
# RECOVERED and the others
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("downtime_s", "shown"),
    [
        pytest.param(31, "~31s", id="31s"),
        pytest.param(125, "~2m 5s", id="2m-5s"),
        pytest.param(None, "~0s", id="unknown-downtime"),
    ],
)
def test_it_renders_a_recovery_with_its_downtime(downtime_s: float | None, shown: str) -> None:
    embed = render(alert(AlertKind.RECOVERED, downtime_s=downtime_s, previous_status="dead"))

    assert embed["title"] == "Recovered: web"
    assert embed["color"] == GREEN == 0x57F287
    assert embed["timestamp"] == "2026-11-24T18:20:00+00:00"
    assert embed["description"] == f"**web** on **local** is back: was down {shown}."
    assert f"was down {shown}" in embed["description"]
    assert field(embed, "Was down") == shown
    assert field(embed, "Recovered from") == "dead"
    assert field(embed, "Host") == "local"


def test_it_renders_an_unhealthy_container_with_its_probe_output() -> None:
    embed = render(alert(AlertKind.UNHEALTHY, detail="curl: (7) Failed to connect"))
    assert embed["title"] == "[UNHEALTHY] web"
    assert field(embed, "Last probe output") == "```\ncurl: (7) Failed to connect\n```"


def test_it_renders_a_baseline_summary_of_stopped_containers() -> None:
    embed = render(alert(AlertKind.BASELINE, key="", name="", image="",
                         summary_lines=["db: dead, exit 137", "job_*: dead, exit 1"]))
    assert embed["title"] == "[BASELINE] local"
    assert embed["description"] == (
        "First look at host **local**: 2 container(s) were already down (stopped, restarting or "
        "unhealthy). They are reported here once, not as separate alerts.\n"
        "• db: dead, exit 137\n• job\\_\\*: dead, exit 1")


@pytest.mark.parametrize("kind", list(AlertKind))
def test_every_embed_carries_a_timestamp_and_the_host(kind: AlertKind) -> None:
    embed = render(alert(kind, host="edge-7", exit_code=1, downtime_s=3))
    assert embed["timestamp"] == "2026-11-24T18:20:00+00:00"
    shown = [embed["title"], embed.get("description", ""), *(f["value"] for f in embed["fields"])]
    assert any("edge-7" in text for text in shown)


# ---------------------------------------------------------------------------------------------
# Discord's limits and hostile input
# ---------------------------------------------------------------------------------------------

HUGE = "x" * 10_000


def absurd(kind: AlertKind) -> Alert:
    return alert(
        kind, host="h" * 10_000, host_url="tcp://" + HUGE, name="*" * 10_000, image=HUGE,
        compose_project="p" * 10_000, compose_service="s" * 10_000, exit_code=137,
        oom_killed=True, downtime_s=1e9, previous_status=HUGE, detail="```" * 5_000,
        summary_lines=[HUGE] * 50,
    )


def assert_within_discord_limits(embed: dict[str, Any]) -> None:
    assert len(embed["title"]) <= lim.EMBED_TITLE_CHARS
    assert len(embed.get("description", "")) <= lim.EMBED_DESCRIPTION_CHARS
    assert len(embed["footer"]["text"]) <= lim.EMBED_FOOTER_CHARS
    assert len(embed["fields"]) <= lim.EMBED_FIELDS
    for f in embed["fields"]:
        assert 0 < len(f["name"]) <= lim.EMBED_FIELD_NAME_CHARS
        assert 0 < len(f["value"]) <= lim.EMBED_FIELD_VALUE_CHARS
    assert embed_chars(embed) <= lim.EMBED_TOTAL_CHARS


@pytest.mark.parametrize("kind", list(AlertKind))
def test_it_keeps_every_discord_limit_for_absurd_input(kind: AlertKind) -> None:
    assert_within_discord_limits(render(absurd(kind)))


@pytest.mark.parametrize("kind", [AlertKind.DEAD, AlertKind.RECOVERED, AlertKind.UNHEALTHY,
                                  AlertKind.BASELINE])
def test_it_says_when_it_cut_something(kind: AlertKind) -> None:
    embed = render(absurd(kind))
    assert embed["title"].endswith(TRUNCATION_MARK)
    assert embed["description"].endswith(TRUNCATION_MARK)
    assert field(embed, "Host").endswith(TRUNCATION_MARK)


def test_it_cuts_long_image_names_visibly() -> None:
    embed = render(absurd(AlertKind.DEAD))
    assert field(embed, "Image") == "x" * (1024 - len(TRUNCATION_MARK)) + TRUNCATION_MARK
    assert field(embed, "Recover with").endswith(TRUNCATION_MARK + "\n```")


def test_it_keeps_the_total_within_6000_by_shortening_the_description_first() -> None:
    embed = render(absurd(AlertKind.DEAD))
    assert embed_chars(embed) == lim.EMBED_TOTAL_CHARS
    assert field_names(embed) == ["Exit code", "OOM", "Host", "Image", "Compose project",
                                  "Compose service", "Died at", "Recover with"]


@pytest.mark.parametrize(
    ("name", "title"),
    [
        # bold and italics from a name are shown literally
        pytest.param("evil_*name*", "[DEAD] evil\\_\\*name\\*", id="bold"),
        pytest.param("**bold**", "[DEAD] \\*\\*bold\\*\\*", id="double-star"),
        # spoilers, strike-through, links
        pytest.param("||spoiler||", "[DEAD] \\|\\|spoiler\\|\\|", id="spoiler"),
        pytest.param("[x](http://e)", "[DEAD] \\[x\\](http://e)", id="link"),
    ],
)
def test_it_escapes_markdown_in_container_names(name: str, title: str) -> None:
    embed = render(alert(exit_code=1, name=name))
    assert embed["title"] == title
    escaped = title.removeprefix("[DEAD] ")
    assert embed["description"] == f"**{escaped}** on **local** died: exit 1."


def test_it_escapes_markdown_in_host_image_and_compose_labels() -> None:
    embed = render(alert(exit_code=1, host="h_1", image="reg/**img**:1",
                         compose_project="p_x", compose_service="s*y"))
    assert field(embed, "Host") == "h\\_1"
    assert field(embed, "Image") == "reg/\\*\\*img\\*\\*:1"
    assert field(embed, "Compose project") == "p\\_x"
    assert field(embed, "Compose service") == "s\\*y"


@pytest.mark.parametrize(
    "output",
    [
        pytest.param("```", id="fence"),
        pytest.param("ok```\n@everyone **pwned**", id="fence-then-markdown"),
        pytest.param("````", id="four-backticks"),
        pytest.param("``````", id="six-backticks"),
        pytest.param("```" * 5_000, id="many-fences"),
    ],
)
def test_it_keeps_probe_output_inside_its_code_block(output: str) -> None:
    value = field(render(alert(AlertKind.UNHEALTHY, detail=output)), "Last probe output")
    assert value.startswith(FENCE + "\n")
    assert value.endswith("\n" + FENCE)
    assert value.count(FENCE) == 2
    assert len(value) <= lim.EMBED_FIELD_VALUE_CHARS
