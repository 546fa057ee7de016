"""The `sentinel` command line (CONTRACT.md's commands).

Every command validates the configuration first: invalid configuration exits 2 with one line
naming the setting and the problem.
"""

from __future__ import annotations

import json
import secrets
import socket
import sys
import time
from datetime import UTC, datetime
from typing import Any

import click

from sentinel.config import Settings, redacted
from sentinel.queues import ALL_QUEUES
from workers.startup import load_settings_or_exit


def _settings() -> Settings:
    return load_settings_or_exit()


def _say(text: str) -> None:
    click.echo(text, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Sentinel: hear about every container death on your Docker hosts, exactly once.

    \b
    Examples:
      sentinel up                      # everything on one node, alerts on the console
      sentinel check                   # one look at every host, exit 1 when something is down
      sentinel status --json           # the fleet as Redis remembers it
    """


_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True,
                "help_option_names": []}


@cli.command()
@click.option("--log-level", default="WARNING", show_default=True,
              help="Celery's log level (alerts are printed whatever it is).")
@click.option("-c", "--concurrency", type=int, default=None, help="Worker processes.")
def up(log_level: str, concurrency: int | None) -> None:
    """Run a whole node in the foreground: worker (all queues), beat and the event watcher.

    \b
    Examples:
      sentinel up
      SENTINEL_INTERVAL_S=5 sentinel up --log-level INFO
    """
    from workers.up import run_up

    sys.exit(run_up(_settings(), loglevel=log_level, concurrency=concurrency, say=_say))


@cli.command(context_settings=_PASSTHROUGH)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(celery_args: tuple[str, ...]) -> None:
    """One Celery worker; options go to Celery (e.g. `sentinel worker -Q notify -c 4`).

    \b
    Examples:
      sentinel worker                      # every queue
      sentinel worker -Q inspect -c 8     # inspections only, 8 processes
    """
    _settings()
    from workers.app import app

    args = list(celery_args)
    if not any(a == "-Q" or a.startswith("--queues") for a in args):
        args += ["-Q", ALL_QUEUES]
    app.worker_main(["worker", *args])


@cli.command(context_settings=_PASSTHROUGH)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def beat(celery_args: tuple[str, ...]) -> None:
    """The scheduler: one inspection per host every SENTINEL_INTERVAL_S.

    \b
    Examples:
      sentinel beat
      sentinel beat -s /var/lib/sentinel/celerybeat-schedule   # run two: one stands by
    """
    _settings()
    from workers.app import app

    app.start(["beat", *celery_args])


@cli.command()
def watch() -> None:
    """Follow every host's Docker events: a death is alerted within a second, whatever the
    inspection interval (the polls remain, and catch anything the event stream missed).

    \b
    Examples:
      sentinel watch
      SENTINEL_HOSTS=web01=tcp://10.0.0.7:2376 sentinel watch
    """
    import logging

    from workers.logs import apply_format
    from workers.watch import run_watch

    settings = _settings()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    apply_format(logging.getLogger(), settings.log_format)
    sys.exit(run_watch(settings))


@cli.command()
def check() -> None:
    """Inspect every host once, now (no broker, no Redis); print a table.

    Exit status: 0 all up, 1 something down or a host unreachable, 2 invalid configuration.
    Suitable for cron: `sentinel check >/dev/null || notify-me`.

    \b
    Examples:
      sentinel check
      SENTINEL_HOSTS=a=unix:///var/run/docker.sock,b=ssh://ops@b sentinel check
    """
    from workers.check import run_check

    settings = _settings()
    if sys.stderr.isatty() and len(settings.hosts) > 1:  # progress for a person, not for cron
        with click.progressbar(length=len(settings.hosts), label="inspecting hosts",
                               file=sys.stderr) as bar:
            table, code = run_check(settings, progress=lambda: bar.update(1))
    else:
        table, code = run_check(settings)
    click.echo(table)
    sys.exit(code)


def _store(settings: Settings):  # type: ignore[no-untyped-def]
    import redis

    from sentinel.adapters.redis_store import StateStore

    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=5)
    return StateStore(client, outbox_grace_s=settings.outbox_grace_s,
                      default_channel=settings.alert_channel)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable (CONTRACT.md schema).")
def status(as_json: bool) -> None:
    """The fleet as Sentinel last saw it (read from Redis).

    \b
    Examples:
      sentinel status
      sentinel status --json | jq '.containers[] | select(.status != "running")'
    """
    import redis

    from workers.status_view import fleet_status, format_status

    settings = _settings()
    try:
        report = fleet_status(_store(settings), settings)
    except redis.RedisError as exc:
        _say(f"sentinel status: cannot read Redis: {exc}")
        sys.exit(1)
    click.echo(json.dumps(report, indent=2) if as_json else
               format_status(report, colour=sys.stdout.isatty()))


@cli.command("test-alert")
def test_alert() -> None:
    """Send one test embed through the configured notifier and say what happened.

    \b
    Examples:
      sentinel test-alert
      SENTINEL_NOTIFIER=webhook SENTINEL_DISCORD_WEBHOOK_URL=... sentinel test-alert
    """
    from sentinel.adapters.delivery import message_for
    from sentinel.adapters.notifiers import DeliveryError, build_notifier
    from sentinel.core.alerts import Alert, AlertKind

    settings = _settings()
    notifier = build_notifier(settings)
    alert = Alert(id=f"t-{secrets.token_hex(10)}", kind=AlertKind.TEST,
                  host=socket.gethostname(),  # where this Sentinel runs
                  occurred_at=datetime.now(UTC))
    target = notifier.describe_target(settings.alert_channel)
    try:
        message_id = notifier.send(message_for(alert, settings.alert_channel))
    except DeliveryError as exc:
        click.echo(f"test alert FAILED via {notifier.name} to {target}: {exc.reason}")
        sys.exit(1)
    finally:
        notifier.close()
    click.echo(f"test alert sent via {notifier.name} to {target} (message id {message_id})")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def config(as_json: bool) -> None:
    """Print the effective configuration, secrets redacted.

    \b
    Examples:
      sentinel config
      SENTINEL_CONFIG=/etc/sentinel/sentinel.toml sentinel config --json
    """
    shown = redacted(_settings())
    if as_json:
        click.echo(json.dumps(shown, indent=2))
        return
    for key, value in shown.items():
        click.echo(f"{key} = {_toml_value(value)}")


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if value is None:
        return "(unset)"
    return json.dumps(value)


@cli.command()
@click.option("--retry", is_flag=True, help="Put every dead letter back for delivery.")
def deadletters(retry: bool) -> None:
    """Alerts that could not be delivered, with the reason; `--retry` re-sends them.

    \b
    Examples:
      sentinel deadletters
      sentinel deadletters --retry    # after fixing the token or the channel
    """
    settings = _settings()
    store = _store(settings)
    letters = store.dead_letters()
    if not letters:
        click.echo("No dead letters.")
        return
    for letter in letters:
        a = letter.alert
        what = f"{a.kind.value} {a.host}/{a.name or '-'}" if a else "(unreadable alert)"
        click.echo(f"{letter.failed_at:%Y-%m-%d %H:%M:%S}  {letter.alert_id}  {what}: "
                   f"{letter.reason}")
    if retry:
        from workers.app import app

        sent = 0
        for letter in letters:
            if letter.alert is not None and store.requeue_dead_letter(letter.alert_id):
                app.send_task("deliver_alert", args=(letter.alert_id,))
                sent += 1
        unreadable = sum(1 for letter in letters if letter.alert is None)
        click.echo(f"{sent} alert(s) queued for delivery again."
                   + (f" {unreadable} unreadable one(s) cannot be re-sent." if unreadable else ""))


@cli.command()
@click.argument("role", type=click.Choice(["beat", "worker", "watcher"]))
def health(role: str) -> None:
    """Exit 0 when a ROLE on this machine has shown a sign of life recently, 1 otherwise.

    For container healthchecks and cron; reads Redis.

    \b
    Examples:
      sentinel health worker
      healthcheck: ["CMD", "sentinel", "health", "beat"]
    """
    from sentinel.core.liveness import role_lives

    store = _store(_settings())
    here = socket.gethostname()
    mine = [life for life in role_lives(store.signs_of_life(), time.time())
            if life.role == role and here in life.ident]
    fresh = [life for life in mine if not life.stale]
    if fresh:
        click.echo(f"{role} on {here}: alive ({fresh[0].age_s:.0f}s ago)")
        return
    click.echo(f"{role} on {here}: " + (f"stale ({mine[0].age_s:.0f}s ago)" if mine
                                         else "no sign of life"), err=True)
    sys.exit(1)


class _SilenceGroup(click.Group):
    """`sentinel silence web01/shop --for 2h` is `sentinel silence add ...`: the common case
    needs no verb, and `list` / `end` stay subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["add", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=_SilenceGroup)
def silence() -> None:
    """Keep a host, a container or a Compose project quiet for a while.

    A silenced thing is still tracked; when the silence ends, what changed while it lasted
    is reported once.

    \b
    Examples:
      sentinel silence web01 --for 2h --reason "kernel upgrade"
      sentinel silence web01/shop --for 30m          # a Compose project (or a container)
      sentinel silence list
      sentinel silence end s-1a2b3c4d
    """


@silence.command("add")
@click.argument("target")
@click.option("--for", "duration", required=True, help="How long: 2h, 30m, 1h30m, 45s, 1d.")
@click.option("--reason", default="", help="Why (shown in `list` and at its end).")
def silence_add(target: str, duration: str, reason: str) -> None:
    """Silence TARGET: HOST, or HOST/CONTAINER, or HOST/COMPOSE-PROJECT.

    \b
    Examples:
      sentinel silence add web01 --for 2h --reason "kernel upgrade"
      sentinel silence web01/shop --for 30m
    """
    from datetime import timedelta

    from sentinel.core.durations import parse_duration
    from sentinel.core.silences import Silence, new_silence_id, parse_target

    settings = _settings()
    try:
        host, what = parse_target(target)
        seconds = parse_duration(duration)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if host not in settings.hosts:
        raise click.BadParameter(f"host {host!r} is not configured (hosts: "
                                 f"{', '.join(settings.hosts)})")
    now = datetime.now(UTC)
    made = _store(settings).add_silence(Silence(
        id=new_silence_id(host, what, now), host=host, target=what, reason=reason,
        until=now + timedelta(seconds=seconds), created_at=now,
        created_by=f"{_user()}@{socket.gethostname()}"))
    click.echo(f"{made.id}: {made.label} silenced until {made.until:%Y-%m-%d %H:%M:%S} UTC "
               f"({len(made.at_start)} container(s) covered now)")


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


@silence.command("list")
def silence_list() -> None:
    """Active silences (and ended ones whose report is still to be sent).

    \b
    Examples:
      sentinel silence list
    """
    silences = _store(_settings()).silences()
    if not silences:
        click.echo("No silences.")
        return
    now = datetime.now(UTC)
    for s in silences:
        left = (s.until - now).total_seconds()
        when = f"{left / 60:.0f} min left" if left > 0 else "ended, report pending"
        click.echo(f"{s.id}  {s.label:<30}  until {s.until:%Y-%m-%d %H:%M:%S} UTC ({when})  "
                   f"by {s.created_by}" + (f"  {s.reason}" if s.reason else ""))


@silence.command("end")
@click.argument("silence_id")
def silence_end(silence_id: str) -> None:
    """End a silence now; what changed while it lasted is reported within seconds.

    \b
    Examples:
      sentinel silence end s-1a2b3c4d
    """
    ended = _store(_settings()).end_silence(silence_id, datetime.now(UTC))
    if ended is None:
        raise click.ClickException(f"no silence {silence_id!r} (see `sentinel silence list`)")
    click.echo(f"{ended.id}: {ended.label}: ended")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
