"""The zero-configuration notifier: alerts printed on the console, readable by a person."""

from __future__ import annotations

import re
import sys
from typing import Any, TextIO

from sentinel.adapters.notifiers.base import OutgoingMessage
from sentinel.core.markdown import unescape

_ANSI = {0xED4245: "\033[1;31m", 0x57F287: "\033[1;32m", 0xE67E22: "\033[1;33m"}
_RESET = "\033[0m"
_FENCE = re.compile(r"```\n?(.*?)\n?```", re.S)


def _plain(text: str) -> str:
    return unescape(_FENCE.sub(r"\1", text).replace("**", ""))


def format_embed(embed: dict[str, Any], colour: bool = False) -> str:
    title = _plain(embed.get("title", ""))
    if colour and embed.get("color") in _ANSI:
        title = f"{_ANSI[embed['color']]}{title}{_RESET}"
    lines = [title]
    if embed.get("description"):
        lines.append("  " + _plain(embed["description"]).replace("\n", "\n  "))
    lines += [f"  {_plain(f['name'])}: {_plain(f['value'])}" for f in embed.get("fields", [])]
    return "\n".join(lines)


class ConsoleNotifier:
    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        # The real stdout even inside a Celery worker, which redirects sys.stdout to its log.
        self.stream: TextIO = stream or sys.__stdout__ or sys.stdout

    def send(self, message: OutgoingMessage) -> str:
        colour = self.stream.isatty()
        text = "\n".join(format_embed(e, colour) for e in message.embeds)
        self.stream.write(f"{text}\n  (#{message.channel}, alert {message.nonce})\n")
        self.stream.flush()
        return f"console-{message.nonce}"

    def describe_target(self, channel: str) -> str:
        return f"the console (channel #{channel} not used)"

    def capacity(self, channel: str) -> int | None:
        return None  # no limit

    def close(self) -> None:
        pass
