"""Celery queues and which task goes where: split so that each can get its own workers (and
its own access: only `control` ever changes anything on a Docker host)."""

from __future__ import annotations

QUEUES = ("inspect", "alerts", "notify", "control")
ALL_QUEUES = ",".join(QUEUES)

TASK_ROUTES = {
    "inspect_host": {"queue": "inspect"},  # reads Docker hosts
    "record_observations": {"queue": "alerts"},
    "sweep_outbox": {"queue": "alerts"},
    "heartbeat": {"queue": "alerts"},
    "deliver_alert": {"queue": "notify"},  # talks to Discord
    "restart_container": {"queue": "control"},  # starts containers: needs write access
}
