"""Making container-supplied text safe to show in Discord (names, images, probe output)."""

from __future__ import annotations

import re

TRUNCATION_MARK = "… (truncated)"
# Characters that Discord's Markdown gives meaning to; a backslash shows them literally.
_SPECIAL = re.compile(r"([\\*_~`|>\[\]#])")
_FENCE = "```"
_ZERO_WIDTH_SPACE = "\u200b"


def escape(text: str) -> str:
    """Show `text` literally: no bold, links, headings or spoilers from a container's label."""
    return _SPECIAL.sub(r"\\\1", text)


def unescape(text: str) -> str:
    """The inverse of `escape`, for showing an embed on a plain console."""
    return re.sub(r"\\([\\*_~`|>\[\]#])", r"\1", text)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters; a cut is said, never silent."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(TRUNCATION_MARK))] + TRUNCATION_MARK


def code_block(text: str, limit: int) -> str:
    """A fenced block that no text inside can close early, within `limit` characters."""
    # A zero-width space after every backtick that another follows: no run of three can remain
    # (a single replace of "```" would leave one in "````").
    body = re.sub(r"`(?=`)", "`" + _ZERO_WIDTH_SPACE, text)
    overhead = len(_FENCE) * 2 + 2
    return f"{_FENCE}\n{truncate(body, limit - overhead)}\n{_FENCE}"
