"""`sentinel status`: the fleet as Redis remembers it, as JSON (CONTRACT.md) or a table."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sentinel.adapters.redis_store import StateStore
from sentinel.config import Settings
from sentinel.core.liveness import role_lives
from sentinel.core.model import ContainerStatus, HostStatus


def iso_z(moment: datetime | str | None) -> str | None:
    """`2026-11-24T18:23:01Z`, as CONTRACT.md shows times."""
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fleet_status(store: StateStore, settings: Settings) -> dict[str, Any]:
    hosts_out: list[dict[str, Any]] = []
    containers_out: list[dict[str, Any]] = []
    names = list(settings.hosts) + [h for h in store.hosts() if h not in settings.hosts]
    for host in names:
        meta = store.host_meta(host)
        status = meta.get("status") or HostStatus.UNKNOWN.value
        states = store.containers(host)
        hosts_out.append({
            "name": host,
            "url": settings.hosts[host].url if host in settings.hosts else meta.get("url", ""),
            "status": status,
            "last_inspected_at": iso_z(meta.get("last_inspected_at")),
            "containers": len(states),
            "configured": host in settings.hosts,
            "error": meta.get("error") or None,
        })
        for state in sorted(states.values(), key=lambda s: s.name):
            shown = state.status.value if status == HostStatus.UP.value else (
                ContainerStatus.UNKNOWN.value)
            containers_out.append({
                "host": host,
                "name": state.name,
                "id": state.container_id[:12],
                "status": shown,
                "since": iso_z(state.since),
                "exit_code": state.exit_code,
                "last_known_status": state.status.value,
                "image": state.image,
            })
    now = time.time()
    last_cycle = store.last_cycle_complete()
    return {"hosts": hosts_out, "containers": containers_out,
            "dead_letters": store.dead_letter_count(),
            # Extensions: Sentinel watching itself, and what is quiet on purpose.
            "roles": [{"role": life.role, "id": life.ident, "last_seen": iso_z(life.last_seen),
                       "age_s": round(life.age_s, 1), "stale": life.stale}
                      for life in role_lives(store.signs_of_life(), now)],
            "last_cycle_at": iso_z(datetime.fromtimestamp(last_cycle, UTC))
            if last_cycle else None,
            "silences": [{"id": s.id, "target": s.label, "until": iso_z(s.until),
                          "reason": s.reason} for s in store.silences()],
            "counters": store.counters()}


def format_table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    return "\n".join(lines)


_COLOURS = {"dead": "red", "unreachable": "red", "restarting": "red", "unhealthy": "red",
            "STALE": "red", "running": "green", "up": "green", "completed": "green",
            "ok": "green", "paused": "yellow", "stopped": "yellow", "unknown": "yellow"}


def colourize(table: str) -> str:
    """Status words in colour (a terminal only: the caller decides), widths kept."""
    import click

    def paint(line: str) -> str:
        words = line.split("  ")
        return "  ".join(click.style(w, fg=_COLOURS[w.strip()]) if w.strip() in _COLOURS
                         else w for w in words)

    return "\n".join(paint(line) for line in table.splitlines())


def format_status(status: dict[str, Any], colour: bool = False) -> str:
    text = _format_status(status)
    return colourize(text) if colour else text


def _format_status(status: dict[str, Any]) -> str:
    hosts = format_table(
        [[h["name"], h["status"], str(h["containers"]), h["last_inspected_at"] or "never",
          h["error"] or ""] for h in status["hosts"]],
        ["HOST", "STATUS", "CONTAINERS", "LAST INSPECTED", "ERROR"])
    not_running = [c for c in status["containers"] if c["status"] != "running"]
    parts = [hosts, ""]
    if not_running:
        parts.append(format_table(
            [[c["host"], c["name"], c["status"],
              "" if c["exit_code"] is None else str(c["exit_code"]), c["since"] or ""]
             for c in not_running],
            ["HOST", "CONTAINER", "STATUS", "EXIT", "SINCE"]))
    else:
        running = len(status["containers"])
        parts.append(f"All {running} watched container(s) are running.")
    if status.get("silences"):
        parts.append("\n" + format_table(
            [[s["id"], s["target"], s["until"], s["reason"]] for s in status["silences"]],
            ["SILENCE", "TARGET", "UNTIL", "REASON"]))
    parts.append(f"\nDead letters: {status['dead_letters']}"
                 + ("  (see `sentinel deadletters`)" if status["dead_letters"] else ""))
    roles = status.get("roles") or []
    if roles:
        parts.append("\n" + format_table(
            [[r["role"], r["id"], f"{r['age_s']:.0f}s ago", "STALE" if r["stale"] else "ok"]
             for r in roles], ["ROLE", "ID", "LAST SIGN OF LIFE", ""]))
    else:
        parts.append("\nNo Sentinel process has shown a sign of life yet.")
    parts.append(f"Last complete inspection cycle: {status.get('last_cycle_at') or 'never'}")
    return "\n".join(parts)
