"""Alerts -> Discord embed objects, valid by construction (every limit of discord_limits)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sentinel.core import discord_limits as lim
from sentinel.core.alerts import Alert, AlertKind
from sentinel.core.durations import approx_duration
from sentinel.core.markdown import code_block, escape, truncate
from sentinel.core.signals import describe_exit

RED = 0xED4245
GREEN = 0x57F287
ORANGE = 0xE67E22
GREY = 0x95A5A6
BLURPLE = 0x5865F2
DEFAULT_DOCKER_SOCKET = "unix:///var/run/docker.sock"

Embed = dict[str, Any]


def render(alert: Alert) -> Embed:
    builder = _RENDERERS[alert.kind]
    return _fit_total(builder(alert))


def recovery_command(alert: Alert) -> str:
    """The command a person can paste to bring the container back."""
    if alert.compose_project and alert.compose_service:
        return f"docker compose -p {alert.compose_project} up -d {alert.compose_service}"
    url = alert.host_url or DEFAULT_DOCKER_SOCKET
    return f"docker -H {url} start {alert.name}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _field(name: str, value: str, inline: bool = True) -> dict[str, Any]:
    return {
        "name": truncate(name, lim.EMBED_FIELD_NAME_CHARS),
        "value": truncate(value or "-", lim.EMBED_FIELD_VALUE_CHARS),
        "inline": inline,
    }


def _base(alert: Alert, title: str, colour: int, description: str = "") -> Embed:
    embed: Embed = {
        "title": truncate(title, lim.EMBED_TITLE_CHARS),
        "color": colour,
        "timestamp": alert.occurred_at.isoformat(),
        "footer": {"text": truncate(f"Sentinel · {alert.id}", lim.EMBED_FOOTER_CHARS)},
        "fields": [],
    }
    if description:
        embed["description"] = truncate(description, lim.EMBED_DESCRIPTION_CHARS)
    return embed


def _recover_with(alert: Alert) -> dict[str, Any]:
    return _field("Recover with", code_block(recovery_command(alert),
                                             lim.EMBED_FIELD_VALUE_CHARS), inline=False)


def _container_fields(alert: Alert) -> list[dict[str, Any]]:
    fields = [_field("Host", escape(alert.host)), _field("Image", escape(alert.image))]
    if alert.compose_project:
        fields.append(_field("Compose project", escape(alert.compose_project)))
    if alert.compose_service:
        fields.append(_field("Compose service", escape(alert.compose_service)))
    return fields


def _dead(alert: Alert) -> Embed:
    exit_text = describe_exit(alert.exit_code, alert.oom_killed)
    description = f"**{escape(alert.name)}** on **{escape(alert.host)}** died: exit {exit_text}."
    if alert.dependents:
        description += (f" {len(alert.dependents)} container(s) that depend on it went down "
                        f"with it: {', '.join(escape(n) for n in alert.dependents)}.")
    embed = _base(alert, f"[DEAD] {escape(alert.name)}", RED, description)
    embed["fields"] = [
        _field("Exit code", exit_text),
        *([_field("OOM", "killed by the kernel for lack of memory")] if alert.oom_killed else []),
        *_container_fields(alert),
        _field("Died at", _when(alert.occurred_at)),
        *([_field("Went down with it", "\n".join(escape(n) for n in alert.dependents),
                  inline=False)] if alert.dependents else []),
        _recover_with(alert),
    ]
    return embed


def _recovered(alert: Alert) -> Embed:
    down = approx_duration(alert.downtime_s or 0)
    embed = _base(alert, f"Recovered: {escape(alert.name)}", GREEN,
                  f"**{escape(alert.name)}** on **{escape(alert.host)}** is back: was down {down}.")
    embed["fields"] = [
        _field("Was down", down),
        *([_field("Recovered from", alert.previous_status)] if alert.previous_status else []),
        _field("Brought back by", alert.recovered_by or
               "not Sentinel (a person, Compose or another tool)"),
        *_container_fields(alert),
        _field("Back at", _when(alert.occurred_at)),
    ]
    return embed


def _unhealthy(alert: Alert) -> Embed:
    embed = _base(alert, f"[UNHEALTHY] {escape(alert.name)}", ORANGE,
                  f"**{escape(alert.name)}** on **{escape(alert.host)}** fails its healthcheck.")
    embed["fields"] = [
        *_container_fields(alert),
        _field("Since", _when(alert.occurred_at)),
        _field("Last probe output",
               code_block(alert.detail or "(no output)", lim.EMBED_FIELD_VALUE_CHARS),
               inline=False),
    ]
    return embed


def _baseline(alert: Alert) -> Embed:
    count = len(alert.summary_lines)
    lines = "\n".join(f"• {escape(line)}" for line in alert.summary_lines)
    embed = _base(
        alert, f"[BASELINE] {escape(alert.host)}", GREY,
        f"First look at host **{escape(alert.host)}**: {count} container(s) were already "
        f"down (stopped, restarting or unhealthy). They are reported here once, not as "
        f"separate alerts.\n{lines}",
    )
    embed["fields"] = [_field("Host", escape(alert.host))]
    return embed


def _unreachable(alert: Alert) -> Embed:
    embed = _base(alert, f"[UNREACHABLE] {escape(alert.host)}", ORANGE,
                  f"Host **{escape(alert.host)}** does not answer. Its containers are unknown "
                  "until it does: none is reported dead because of this.")
    embed["fields"] = [
        _field("Host", escape(alert.host)),
        _field("Since", _when(alert.occurred_at)),
        _field("Error", code_block(alert.detail or "(none)", lim.EMBED_FIELD_VALUE_CHARS),
               inline=False),
    ]
    return embed


def _host_recovered(alert: Alert) -> Embed:
    down = approx_duration(alert.downtime_s or 0)
    embed = _base(alert, f"Recovered: {escape(alert.host)}", GREEN,
                  f"Host **{escape(alert.host)}** answers again: was unreachable {down}.")
    embed["fields"] = [_field("Host", escape(alert.host)), _field("Was unreachable", down),
                       _field("Back at", _when(alert.occurred_at))]
    return embed


def _test(alert: Alert) -> Embed:
    embed = _base(alert, "[TEST] Sentinel", BLURPLE,
                  alert.detail or "A test alert: if you can read this, delivery works.")
    embed["fields"] = [_field("Host", escape(alert.host))]  # CONTRACT.md: every embed has it
    return embed


def _stopped(alert: Alert) -> Embed:
    embed = _base(alert, f"[STOPPED] {escape(alert.name)}", GREY,
                  f"**{escape(alert.name)}** on **{escape(alert.host)}** was stopped on "
                  "purpose (a stop or kill was asked for): not a failure.")
    embed["fields"] = [_field("Exit code", describe_exit(alert.exit_code, alert.oom_killed)),
                       *_container_fields(alert), _field("Stopped at", _when(alert.occurred_at))]
    return embed


def _loop(alert: Alert) -> Embed:
    docker = alert.kind is AlertKind.RESTART_LOOP
    title = "RESTART LOOP" if docker else "FLAPPING"
    what = ("Docker keeps restarting it" if docker else
            "it keeps dying and coming back")
    window = alert.summary_lines[0] if alert.summary_lines else "repeated deaths"
    embed = _base(alert, f"[{title}] {escape(alert.name)}", ORANGE,
                  f"**{escape(alert.name)}** on **{escape(alert.host)}**: {what} "
                  f"({escape(window)}). Its deaths are not reported one by one until it has "
                  "run steadily again; that end is reported.")
    embed["fields"] = [
        _field("Last exit code", describe_exit(alert.exit_code, alert.oom_killed)),
        *([_field("Docker's restart count", str(alert.restart_count))]
          if alert.restart_count else []),
        *_container_fields(alert), _field("Since", _when(alert.occurred_at))]
    return embed


def _loop_ended(alert: Alert) -> Embed:
    running = alert.previous_status == "running"
    now = "runs steadily again" if running else f"stopped restarting: it is {alert.previous_status}"
    embed = _base(alert, f"Loop ended: {escape(alert.name)}", GREEN if running else RED,
                  f"**{escape(alert.name)}** on **{escape(alert.host)}** {escape(now or '')}.")
    embed["fields"] = [*_container_fields(alert), _field("At", _when(alert.occurred_at))]
    return embed


def _restarting(alert: Alert) -> Embed:
    attempt = f"attempt {alert.attempt}/{alert.max_attempts}"
    embed = _base(alert, f"[RESTARTING] {escape(alert.name)}", BLURPLE,
                  f"**{escape(alert.name)}** on **{escape(alert.host)}**: restarted by "
                  f"Sentinel, {attempt}." + (f" {escape(alert.detail)}" if alert.detail else ""))
    embed["fields"] = [_field("Attempt", attempt), *_container_fields(alert),
                       _field("At", _when(alert.occurred_at))]
    return embed


def _gave_up(alert: Alert) -> Embed:
    embed = _base(alert, f"[GAVE UP] {escape(alert.name)}", RED,
                  f"**{escape(alert.name)}** on **{escape(alert.host)}** died again after "
                  f"{alert.max_attempts} restart attempts by Sentinel. No more attempts until "
                  "it is seen running again.")
    embed["fields"] = [
        _field("Last exit code", describe_exit(alert.exit_code, alert.oom_killed)),
        *_container_fields(alert),
        _recover_with(alert)]
    return embed


def _silence_ended(alert: Alert) -> Embed:
    lines = "\n".join(f"• {escape(line)}" for line in alert.summary_lines)
    embed = _base(alert, f"[SILENCE ENDED] {escape(alert.name)}", GREY,
                  f"The silence on **{escape(alert.name)}** is over. What changed while it "
                  f"lasted:\n{lines}")
    embed["fields"] = [_field("Host", escape(alert.host)),
                       *([_field("Reason", escape(alert.detail))] if alert.detail else [])]
    return embed


def _reminder(alert: Alert) -> Embed:
    down = approx_duration(alert.downtime_s or 0)
    embed = _base(alert, f"[STILL DEAD] {escape(alert.name)}", RED,
                  f"**{escape(alert.name)}** on **{escape(alert.host)}** has been down {down}.")
    embed["fields"] = [_field("Down for", down),
                       _field("Exit code", describe_exit(alert.exit_code, alert.oom_killed)),
                       *_container_fields(alert),
                       _recover_with(alert)]
    return embed


def _blind(alert: Alert) -> Embed:
    blind = approx_duration(alert.downtime_s or 0)
    found = ("\n".join(f"• {escape(line)}" for line in alert.summary_lines)
             if alert.summary_lines else "Nothing changed while it was not watching.")
    embed = _base(alert, f"Sentinel was blind for {blind}", ORANGE,
                  f"Sentinel itself was not watching for {blind} (no complete inspection "
                  f"cycle). Every change found on its return is reported as a normal alert; "
                  f"in short:\n{found}")
    embed["fields"] = [_field("Host", escape(alert.host)),
                       _field("Blind from", _when(alert.occurred_at))]
    return embed


_RENDERERS = {
    AlertKind.BLIND: _blind,
    AlertKind.SILENCE_ENDED: _silence_ended,
    AlertKind.REMINDER: _reminder,
    AlertKind.STOPPED: _stopped,
    AlertKind.RESTART_LOOP: _loop,
    AlertKind.FLAPPING: _loop,
    AlertKind.LOOP_ENDED: _loop_ended,
    AlertKind.RESTARTING: _restarting,
    AlertKind.GAVE_UP: _gave_up,
    AlertKind.DEAD: _dead,
    AlertKind.RECOVERED: _recovered,
    AlertKind.UNHEALTHY: _unhealthy,
    AlertKind.BASELINE: _baseline,
    AlertKind.TEST: _test,
    AlertKind.UNREACHABLE: _unreachable,
    AlertKind.HOST_RECOVERED: _host_recovered,
}


def embed_chars(embed: Embed) -> int:
    """The characters Discord counts towards EMBED_TOTAL_CHARS."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    total += len(embed.get("author", {}).get("name", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return total


def _fit_total(embed: Embed) -> Embed:
    """Every part is within its own limit; this keeps the sum within the total too."""
    embed["fields"] = embed["fields"][: lim.EMBED_FIELDS]
    excess = embed_chars(embed) - lim.EMBED_TOTAL_CHARS
    if excess > 0 and "description" in embed:
        keep = max(0, len(embed["description"]) - excess)
        embed["description"] = truncate(embed["description"], keep)
    while embed_chars(embed) > lim.EMBED_TOTAL_CHARS and embed["fields"]:
        embed["fields"].pop()
    return embed
