"""Cascades become one incident: deaths connected in the dependency graph, close in time, are
one red `[DEAD] <root>` that lists the dependents that went down with it.

Applied to the alerts waiting for a channel, just before they are packed into a message: a
death that has dependency neighbours waits up to `window_s` after it was seen for the rest of
its cascade (the root may die last); a death with none goes out at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sentinel.core.alerts import Alert, AlertKind
from sentinel.core.dependencies import dependents_count


@dataclass(frozen=True)
class Gathered:
    ready: list[Alert]  # to send now: incidents stand for their members
    hold_s: float | None  # when the first held death is due; None if nothing is held


def gather(alerts: list[Alert], now: datetime, window_s: float) -> Gathered:
    deaths: list[Alert] = []
    others: list[Alert] = []
    for alert in alerts:
        gathers = alert.kind is AlertKind.DEAD and alert.related and not alert.member_ids
        (deaths if gathers else others).append(alert)
    ready, holds, held = [], [], set()
    for group in _groups(deaths):
        first_seen = min(a.detected_at or a.occurred_at for a in group)
        due = first_seen + timedelta(seconds=window_s)
        keys = {a.key for a in group}
        complete = all(set(a.related) <= keys for a in group)
        if now < due and not complete:
            holds.append((due - now).total_seconds())
            held |= {(a.host, a.key) for a in group}
            continue
        ready.append(_incident(group) if len(group) > 1 else group[0])
    # A held death's own later news (its recovery, say) waits with it: never before it.
    ready += [a for a in others if (a.host, a.key) not in held]
    position = {a.id: i for i, a in enumerate(alerts)}
    ready.sort(key=lambda a: min(position[i] for i in (a.id, *a.member_ids)))
    return Gathered(ready=ready, hold_s=min(holds) if holds else None)


def _groups(deaths: list[Alert]) -> list[list[Alert]]:
    """Deaths on one host joined by a direct dependency between two of them (transitively):
    a dependent's death whose dependency is alive is its own story."""
    groups: list[list[Alert]] = []
    for alert in deaths:
        touching = [g for g in groups if any(_linked(alert, other) for other in g)]
        merged = [alert] + [a for g in touching for a in g]
        groups = [g for g in groups if g not in touching] + [merged]
    return groups


def _linked(a: Alert, b: Alert) -> bool:
    return a.host == b.host and (b.key in a.depends_on or a.key in b.depends_on)


def _incident(group: list[Alert]) -> Alert:
    keys = {a.key for a in group}
    graph = {a.key: set(a.depends_on) & keys for a in group}
    candidates = [a for a in group if not graph[a.key]] or group
    root = max(candidates, key=lambda a: (dependents_count(graph, a.key, keys),
                                          -a.occurred_at.timestamp(), a.name))
    members = sorted((a for a in group if a is not root),
                     key=lambda a: (_depth(graph, a.key, root.key), a.name))
    return root.model_copy(update={"dependents": [a.name for a in members],
                                   "member_ids": [a.id for a in members]})


def _depth(graph: dict[str, set[str]], key: str, root: str) -> int:
    """Steps from `key` down to `root` along dependencies (closest dependents first)."""
    frontier, depth, seen = {key}, 0, {key}
    while frontier and root not in frontier and depth < len(graph):
        frontier = {d for k in frontier for d in graph.get(k, set())} - seen
        seen |= frontier
        depth += 1
    return depth

