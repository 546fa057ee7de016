"""The console notifier's formatting (sentinel/adapters/notifiers/console.py, format_embed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sentinel.adapters.notifiers.console import format_embed
from sentinel.core.alerts import Alert, AlertKind
from sentinel.core.embeds import render

RED_BOLD, GREEN_BOLD, RESET = "\033[1;31m", "\033[1;32m", "\033[0m"

DEAD_EMBED: dict[str, Any] = {
    "title": "[DEAD] evil\\_\\*name\\*",
    "color": 0xED4245,
    "description": "**evil\\_\\*name\\*** on **local** died: exit 137 (SIGKILL).",
    "fields": [
        {"name": "Exit code", "value": "137 (SIGKILL)", "inline": True},
        {"name": "Recover with", "value": "```\ndocker -H unix:///x start web\n```",
         "inline": False},
    ],
}


def test_it_prints_an_embed_as_plain_indented_text() -> None:
    assert format_embed(DEAD_EMBED) == (
        "[DEAD] evil_*name*\n"
        "  evil_*name* on local died: exit 137 (SIGKILL).\n"
        "  Exit code: 137 (SIGKILL)\n"
        "  Recover with: docker -H unix:///x start web"
    )


@pytest.mark.parametrize(
    ("colour_code", "ansi"),
    [
        pytest.param(0xED4245, RED_BOLD, id="red"),
        pytest.param(0x57F287, GREEN_BOLD, id="green"),
        pytest.param(0xE67E22, "\033[1;33m", id="orange"),
    ],
)
def test_it_colours_the_title_on_a_terminal(colour_code: int, ansi: str) -> None:
    embed = {"title": "T", "color": colour_code}
    assert format_embed(embed, colour=True) == f"{ansi}T{RESET}"
    assert format_embed(embed, colour=False) == "T"


def test_it_leaves_unknown_colours_plain() -> None:
    assert format_embed({"title": "T", "color": 0x123456}, colour=True) == "T"


def test_it_indents_every_line_of_a_multi_line_description() -> None:
    embed = {"title": "[BASELINE] local", "description": "First look.\n• db: dead\n• job: dead"}
    assert format_embed(embed) == "[BASELINE] local\n  First look.\n  • db: dead\n  • job: dead"


def test_it_prints_a_rendered_recovery_readably() -> None:
    recovered = Alert(id="r-1", kind=AlertKind.RECOVERED, host="local", name="web",
                      image="nginx", occurred_at=datetime(2026, 11, 24, 18, 20, tzinfo=UTC),
                      downtime_s=31, previous_status="dead")
    assert format_embed(render(recovered), colour=True) == (
        f"{GREEN_BOLD}Recovered: web{RESET}\n"
        "  web on local is back: was down ~31s.\n"
        "  Was down: ~31s\n"
        "  Recovered from: dead\n"
        "  Brought back by: not Sentinel (a person, Compose or another tool)\n"
        "  Host: local\n"
        "  Image: nginx\n"
        "  Back at: 2026-11-24 18:20:00 UTC"
    )
