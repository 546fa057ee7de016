"""Coalescing: many waiting alerts for one channel become as few valid messages as possible.

A message holds at most MESSAGE_EMBEDS embeds and EMBED_TOTAL_CHARS characters over all of them
(discord_limits). When more alerts wait than the next message can show and the rate limit is
about to make the rest wait, the overflow becomes one summary embed (`+N more`) with a line per
alert: a burst is shown at once, in full where it fits, and never dropped silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sentinel.core import discord_limits as lim
from sentinel.core.alerts import Alert, AlertKind
from sentinel.core.durations import approx_duration
from sentinel.core.embeds import GREY, Embed, embed_chars
from sentinel.core.markdown import escape, truncate
from sentinel.core.signals import describe_exit


@dataclass(frozen=True)
class Batch:
    nonce: str  # derived from every alert it covers: a retry of the batch is the same message
    embeds: list[Embed]
    shown_ids: list[str]  # alerts with their own embed
    summarized_ids: list[str] = field(default_factory=list)  # alerts as lines of the summary

    @property
    def alert_ids(self) -> list[str]:
        return self.shown_ids + self.summarized_ids


def batch_nonce(alert_ids: list[str]) -> str:
    if len(alert_ids) == 1:
        return alert_ids[0]  # a lone alert keeps its own id as the nonce
    digest = hashlib.blake2b("|".join(sorted(alert_ids)).encode(), digest_size=11).hexdigest()
    return f"m-{digest}"


def summary_line(alert: Alert) -> str:
    who = f"{escape(alert.name or alert.host)} on {escape(alert.host)}"
    if alert.kind is AlertKind.DEAD:
        return f"[DEAD] {who}: exit {describe_exit(alert.exit_code, alert.oom_killed)}"
    if alert.kind is AlertKind.RECOVERED:
        return f"Recovered: {who} (was down {approx_duration(alert.downtime_s or 0)})"
    return f"[{alert.kind.value.upper()}] {who}"


def summary_embed(alerts: list[Alert]) -> Embed:
    """One embed standing for many alerts; if even the lines do not fit, the count still does."""
    header = f"+{len(alerts)} more"
    budget = lim.EMBED_DESCRIPTION_CHARS
    lines: list[str] = []
    used = 0
    for i, alert in enumerate(alerts):
        line = summary_line(alert)
        tail = f"\n… and {len(alerts) - i} more not listed (see `sentinel status`)"
        if used + len(line) + 1 + len(tail) > budget:
            lines.append(tail.strip())
            break
        lines.append(line)
        used += len(line) + 1
    return {
        "title": header,
        "description": truncate("\n".join(lines), budget),
        "color": GREY,
        "timestamp": max(a.occurred_at for a in alerts).isoformat(),
        "footer": {"text": "Sentinel · many alerts at once: summarized"},
        "fields": [_hosts_field(alerts)],
    }


def _hosts_field(alerts: list[Alert]) -> dict[str, object]:
    hosts = sorted({a.host for a in alerts})
    return {"name": "Host" if len(hosts) == 1 else "Hosts",
            "value": truncate(", ".join(escape(h) for h in hosts), lim.EMBED_FIELD_VALUE_CHARS),
            "inline": True}


def pack(alerts: list[Alert], render: Callable[[Alert], Embed], *,
         summarize_overflow: bool) -> Batch:
    """The next message for a channel, from its waiting alerts in order (oldest first).

    `summarize_overflow`: the rate limit leaves no room for another message soon, so whatever
    does not fit is summarized in this one rather than left waiting.
    """
    if not alerts:
        raise ValueError("nothing to pack")
    embeds: list[Embed] = []
    total = 0
    for alert in alerts:
        embed = render(alert)
        size = embed_chars(embed)
        if len(embeds) == lim.MESSAGE_EMBEDS or total + size > lim.EMBED_TOTAL_CHARS:
            break
        embeds.append(embed)
        total += size
    shown = alerts[: len(embeds)]
    rest = alerts[len(embeds):]
    if not rest or not summarize_overflow:
        return Batch(batch_nonce([a.id for a in shown]), embeds, [a.id for a in shown])

    # Make room for the summary: drop full embeds from the end until it fits.
    while True:
        summary = summary_embed(rest)
        if len(embeds) < lim.MESSAGE_EMBEDS and total + embed_chars(summary) <= \
                lim.EMBED_TOTAL_CHARS:
            break
        dropped = embeds.pop()
        total -= embed_chars(dropped)
        rest.insert(0, shown.pop())
    ids = [a.id for a in shown] + [a.id for a in rest]
    return Batch(batch_nonce(ids), [*embeds, summary], [a.id for a in shown],
                 [a.id for a in rest])
