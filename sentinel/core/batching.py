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


SUMMARY_NAME_CHARS = 100  # a line stays a line, whatever a container calls itself


def summary_line(alert: Alert) -> str:
    name = truncate(alert.name or alert.host, SUMMARY_NAME_CHARS)
    who = f"{escape(name)} on {escape(truncate(alert.host, SUMMARY_NAME_CHARS))}"
    if alert.kind is AlertKind.DEAD:
        names = ", ".join(escape(truncate(n, SUMMARY_NAME_CHARS)) for n in alert.dependents)
        with_it = f" (went down with it: {truncate(names, 400)})" if alert.dependents else ""
        return (f"[DEAD] {who}: exit {describe_exit(alert.exit_code, alert.oom_killed)}"
                f"{with_it}")
    if alert.kind in (AlertKind.RECOVERED, AlertKind.HOST_RECOVERED):
        return f"Recovered: {who} (was down {approx_duration(alert.downtime_s or 0)})"
    return f"[{alert.kind.value.upper()}] {who}"


def summary_embed(alerts: list[Alert], budget_chars: int, waiting: int = 0
                  ) -> tuple[Embed, int]:
    """One embed standing for the first alerts of `alerts`, a line each, measured as Discord
    measures it and within `budget_chars` (what the message has left). Returns it and how many
    alerts it lists; the others stay queued for the next message (`waiting` more already are)."""
    lines = [summary_line(a) for a in alerts]

    def build(n: int) -> Embed:
        listed = alerts[:n] or alerts[:1]
        text = lines[:n]
        later = len(alerts) - n + waiting
        if later:
            text.append(f"({later} more follow in the next message)")
        return {
            "title": f"+{n} more",
            "description": "\n".join(text),
            "color": GREY,
            "timestamp": max(a.occurred_at for a in listed).isoformat(),
            "footer": {"text": _SUMMARY_FOOTER},
            "fields": [_hosts_field(listed)],
        }

    # As many lines as the description can hold, then fewer until the whole embed fits.
    count, used = 0, 60  # room kept for the closing line
    while count < len(lines) and used + len(lines[count]) + 1 <= lim.EMBED_DESCRIPTION_CHARS:
        used += len(lines[count]) + 1
        count += 1
    embed = build(count)
    while count > 0 and embed_chars(embed) > budget_chars:
        count -= 1
        embed = build(count)
    return embed, count


_SUMMARY_FOOTER = "Sentinel · many alerts at once: summarized"
# Below this, a summary would list too few alerts to be worth a slot: a full embed gives way.
_MIN_SUMMARY_CHARS = 600


def _hosts_field(alerts: list[Alert]) -> dict[str, object]:
    hosts = sorted({a.host for a in alerts})
    return {"name": "Host" if len(hosts) == 1 else "Hosts",
            "value": truncate(", ".join(escape(h) for h in hosts), lim.EMBED_FIELD_VALUE_CHARS),
            "inline": True}


def pack(alerts: list[Alert], render: Callable[[Alert], Embed], *,
         summarize_overflow: bool, waiting: int = 0) -> Batch:
    """The next message for a channel, from its waiting alerts in order (oldest first).

    `summarize_overflow`: the rate limit leaves no room for another message soon, so what does
    not fit as full embeds is listed, a line each, in a summary embed of this message; what
    does not fit even there stays queued. `waiting`: how many more are queued beyond `alerts`.
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

    # Room for the summary: one embed slot and enough characters; full embeds give way.
    while embeds and (len(embeds) == lim.MESSAGE_EMBEDS
                      or lim.EMBED_TOTAL_CHARS - total < _MIN_SUMMARY_CHARS):
        total -= embed_chars(embeds.pop())
        rest.insert(0, shown.pop())
    summary, listed = summary_embed(rest, lim.EMBED_TOTAL_CHARS - total, waiting)
    if listed == 0:  # the summary would list nobody: no summary
        if not shown:  # and nothing else would go out: the oldest alone, so a channel progresses
            shown = alerts[:1]
            embeds = [render(alerts[0])]
        return Batch(batch_nonce([a.id for a in shown]), embeds, [a.id for a in shown])
    summarized = rest[:listed]
    ids = [a.id for a in shown] + [a.id for a in summarized]
    return Batch(batch_nonce(ids), [*embeds, summary], [a.id for a in shown],
                 [a.id for a in summarized])
