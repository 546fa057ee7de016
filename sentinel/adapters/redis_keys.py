"""Every Redis key Sentinel uses, declared once, under one prefix."""

PREFIX = "sentinel:"

HOSTS = f"{PREFIX}hosts"  # set of host names ever recorded
OUTBOX = f"{PREFIX}outbox"  # hash: alert id -> alert JSON, until delivered or dead-lettered
OUTBOX_DUE = f"{PREFIX}outbox:due"  # zset: alert id -> time after which the sweep re-enqueues it
REMINDERS = f"{PREFIX}reminders"  # zset: "host\tkey" -> when its next [STILL DEAD] is due
METRICS = f"{PREFIX}metrics"  # hash: counter name -> count (alerts:<kind>, messages_sent...)
ALIVE = f"{PREFIX}alive"  # hash: "role:ident" -> last sign of life (epoch seconds)
LAST_CYCLE = f"{PREFIX}last_cycle"
LAST_HEARTBEAT = f"{PREFIX}last_heartbeat"  # epoch seconds: the heartbeat task last ran
# After Sentinel's own outage: {"since", "noticed"} epoch seconds, and what the first
# inspections after it found (summary lines), until the one notice is posted.
BLIND = f"{PREFIX}blind"
BLIND_LINES = f"{PREFIX}blind:lines"  # epoch seconds of the last complete inspection cycle
SILENCES = f"{PREFIX}silences"  # hash: silence id -> Silence JSON, until its end is reported
DEAD_LETTERS = f"{PREFIX}deadletters"  # hash: alert id -> {alert, reason, failed_at}


def host_containers(host: str) -> str:
    """Hash: container identity key -> ContainerState JSON."""
    return f"{PREFIX}host:{host}:containers"


def host_meta(host: str) -> str:
    """Hash: url, status, last_inspected_at, baselined_at, error."""
    return f"{PREFIX}host:{host}:meta"


def delivered(alert_id: str) -> str:
    """Set once an alert reached the notifier: the marker that makes delivery idempotent."""
    return f"{PREFIX}delivered:{alert_id}"


def pending(channel: str) -> str:
    """Zset: alert id -> occurred_at, the alerts waiting to be sent to a channel (oldest first)."""
    return f"{PREFIX}pending:{channel}"


def sending(channel: str) -> str:
    """A lease held by the one worker sending to a channel (messages there go one at a time)."""
    return f"{PREFIX}sending:{channel}"


def inflight(channel: str) -> str:
    """The batch being sent to a channel, kept until it is confirmed: a retry resends it
    exactly, with the same nonce."""
    return f"{PREFIX}inflight:{channel}"


def inspecting(host: str) -> str:
    """A lease held while one worker inspects a host."""
    return f"{PREFIX}inspecting:{host}"
