"""Making container-supplied text safe for Discord (sentinel/core/markdown.py)."""

from __future__ import annotations

import pytest

from sentinel.core.markdown import TRUNCATION_MARK, code_block, escape, truncate, unescape

FENCE = "```"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        # plain text is untouched
        pytest.param("web-1", "web-1", id="plain"),
        # bold and italics
        pytest.param("evil_*name*", r"evil\_\*name\*", id="bold-italics"),
        # strike-through, spoilers, quotes, headings
        pytest.param("~~x~~ ||y|| > z # h", r"\~\~x\~\~ \|\|y\|\| \> z \# h", id="others"),
        # links
        pytest.param("[click](http://x)", r"\[click\](http://x)", id="link"),
        # code
        pytest.param("`x`", r"\`x\`", id="inline-code"),
        # a backslash cannot undo the escape of what follows
        pytest.param("\\*", r"\\\*", id="backslash"),
    ],
)
def test_it_escapes_markdown_so_text_shows_literally(text: str, escaped: str) -> None:
    assert escape(text) == escaped
    assert unescape(escaped) == text


@pytest.mark.parametrize(
    ("text", "limit", "result"),
    [
        # short enough: unchanged
        pytest.param("abc", 3, "abc", id="fits-exactly"),
        pytest.param("", 5, "", id="empty"),
        # too long: cut, and the cut is said
        pytest.param("x" * 30, 20, "x" * 7 + TRUNCATION_MARK, id="cut"),
        # a limit smaller than the mark still shows the mark
        pytest.param("x" * 30, 5, TRUNCATION_MARK, id="tiny-limit"),
    ],
)
def test_it_truncates_visibly(text: str, limit: int, result: str) -> None:
    assert truncate(text, limit) == result


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ok", id="plain"),
        pytest.param("```", id="a-fence"),
        pytest.param("before ``` after", id="fence-inside"),
        pytest.param("````", id="four-backticks"),
        pytest.param("``````", id="two-fences-joined"),
        pytest.param("a````b``````c```", id="mixed-runs"),
        pytest.param("```\n```\n```", id="fences-on-lines"),
        pytest.param("x\n```" * 2000, id="long-with-fences"),
    ],
)
def test_it_keeps_text_inside_its_code_block(text: str) -> None:
    block = code_block(text, 1024)

    assert len(block) <= 1024
    assert block.startswith(FENCE + "\n")
    assert block.endswith("\n" + FENCE)
    inner = block[len(FENCE) + 1: -len(FENCE) - 1]
    assert FENCE not in inner
    assert inner.replace("\u200b", "") == text or inner.endswith(TRUNCATION_MARK)


def test_it_shows_a_short_code_block_verbatim() -> None:
    assert code_block("docker start web", 100) == "```\ndocker start web\n```"


def test_it_truncates_a_long_code_block_within_its_limit() -> None:
    block = code_block("y" * 5000, 100)
    assert block == "```\n" + "y" * (100 - 8 - len(TRUNCATION_MARK)) + TRUNCATION_MARK + "\n```"
    assert len(block) == 100
