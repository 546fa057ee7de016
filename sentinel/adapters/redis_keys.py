"""Every Redis key Sentinel uses, declared once, under one prefix."""

PREFIX = "sentinel:"

HOSTS = f"{PREFIX}hosts"  # set of host names ever recorded
OUTBOX = f"{PREFIX}outbox"  # hash: alert id -> alert JSON, until delivered or dead-lettered
OUTBOX_DUE = f"{PREFIX}outbox:due"  # zset: alert id -> time after which the sweep re-enqueues it
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


def claim(alert_id: str) -> str:
    """A short lease held while one worker is sending an alert."""
    return f"{PREFIX}claim:{alert_id}"
