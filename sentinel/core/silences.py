"""Silences: a host, a container or a Compose project kept quiet for a while, still tracked.

When a silence ends, what changed while it lasted is reported once (one summary), so that a
silence never hides a container that is still down afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import Field

from sentinel.core.alerts import Alert, AlertKind, alert_id
from sentinel.core.model import ContainerState, Frozen


class Silence(Frozen):
    id: str
    host: str
    target: str | None = None  # a container name, identity key or Compose project; None: all
    until: datetime
    reason: str = ""
    created_at: datetime
    created_by: str = ""
    at_start: dict[str, str] = Field(default_factory=dict)  # key -> status when it began

    @property
    def label(self) -> str:
        return f"{self.host}/{self.target}" if self.target else self.host

    def covers(self, host: str, key: str = "", name: str = "",
               project: str | None = None) -> bool:
        """Host-level alerts (unreachable, baseline) are covered by a whole-host silence."""
        if host != self.host:
            return False
        return self.target is None or self.target in (key, name, project)

    def covers_state(self, host: str, state: ContainerState) -> bool:
        return self.covers(host, state.key, state.name, state.compose_project)


def parse_target(text: str) -> tuple[str, str | None]:
    """`host` or `host/<container name | compose project | identity key>`."""
    host, _, rest = text.strip().partition("/")
    if not host:
        raise ValueError(f"{text!r}: give a host, or host/container, or host/compose-project")
    return host, (rest.strip("/") or None)


def new_silence_id(host: str, target: str | None, created_at: datetime) -> str:
    raw = f"{host}|{target}|{created_at.isoformat()}".encode()
    return "s-" + hashlib.blake2b(raw, digest_size=4).hexdigest()


def silencing(alert: Alert, silences: Iterable[Silence], now: datetime) -> Silence | None:
    """The active silence that covers this alert, if any (test alerts are never silenced)."""
    if alert.kind is AlertKind.TEST:
        return None
    for silence in silences:
        if silence.until > now and silence.covers(alert.host, alert.key, alert.name,
                                                  alert.compose_project):
            return silence
    return None


def changes_while_silenced(silence: Silence, now: Mapping[str, ContainerState]) -> list[str]:
    """One line per covered container whose status differs from when the silence began."""
    covered = {k: s for k, s in now.items() if silence.covers_state(silence.host, s)}
    lines = []
    for key in sorted(set(covered) | set(silence.at_start)):
        before = silence.at_start.get(key)
        state = covered.get(key)
        after = state.status.value if state else "removed"
        if before == after:
            continue
        name = state.name if state else key
        exit_text = f" (exit {state.exit_code})" if state and state.exit_code is not None and \
            state.status.is_down else ""
        lines.append(f"{name}: {before or 'new'} → {after}{exit_text}")
    return lines


def ended_notice(silence: Silence, lines: list[str], host_url: str = "") -> Alert:
    return Alert(id=alert_id(AlertKind.SILENCE_ENDED, silence.host, silence.id, silence.until),
                 kind=AlertKind.SILENCE_ENDED, host=silence.host, host_url=host_url,
                 name=silence.label, occurred_at=silence.until, summary_lines=lines,
                 detail=silence.reason or None)
