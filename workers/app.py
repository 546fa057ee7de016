"""The Celery app: `celery -A workers.app worker|beat|flower` works as Celery users expect.

Settings are read and validated once, here, at start-up: invalid configuration ends the process
with exit status 2 and one line naming the setting.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import redis
from celery import Celery
from celery.signals import task_postrun, worker_process_init, worker_ready

from beat_schedule import build_beat_schedule
from sentinel.config import Settings
from tasks.runtime import reset_runtime, runtime
from workers.startup import load_settings_or_exit

QUEUES = ("inspect", "alerts", "notify")
TASK_ROUTES = {
    "inspect_host": {"queue": "inspect"},
    "record_observations": {"queue": "alerts"},
    "sweep_outbox": {"queue": "alerts"},
    "deliver_alert": {"queue": "notify"},
    "restart_container": {"queue": "inspect"},
    "heartbeat": {"queue": "alerts"},  # talks to Docker hosts, like inspections
}


def create_app(settings: Settings) -> Celery:
    celery_app = Celery("sentinel", broker=settings.effective_broker_url,
                        include=["tasks.inspect", "tasks.alerts", "tasks.notify", "tasks.restart",
                                  "tasks.heartbeat"])
    celery_app.conf.update(
        task_routes=TASK_ROUTES,
        task_default_queue="alerts",
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # A task whose worker dies mid-way is delivered again; every task is idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        # Flower shows tasks live only when workers send events (inspect_host sends them
        # only when SENTINEL_INSPECT_TASK_EVENTS is on: see tasks/inspect.py). No "sent"
        # events: one more publish per task in beat, for a state Flower does not need.
        worker_send_task_events=True,
        task_annotations={"inspect_host": {"send_events": settings.inspect_task_events}},
        beat_schedule=build_beat_schedule(settings.hosts, settings.interval_s),
        # One active beat per fleet (a lease in Redis); others stand by.
        beat_scheduler="workers.beat_lock:LeaderScheduler",
    )
    return celery_app


settings = load_settings_or_exit()
app = create_app(settings)


@worker_ready.connect
def _serve_metrics(**_: object) -> None:
    """The worker's main process serves /metrics when SENTINEL_METRICS_PORT is set (the
    figures come from Redis: any one process can serve the whole fleet's)."""
    from sentinel.adapters.metrics import serve_metrics

    serve_metrics(settings)


@worker_process_init.connect
def _fresh_clients_per_process(**_: object) -> None:
    reset_runtime()


_last_sign = 0.0


@task_postrun.connect
def _sign_of_life(sender: Any = None, **_: object) -> None:
    """A worker is alive while it runs tasks (the sweep comes every 10 s): recorded at most
    every 5 s per process, for `sentinel status`."""
    global _last_sign
    now = time.monotonic()
    if now - _last_sign < 5.0:
        return
    _last_sign = now
    try:
        node = getattr(getattr(sender, "request", None), "hostname", None) or socket.gethostname()
        runtime().store.sign_of_life("worker", str(node))
    except redis.RedisError as exc:
        logging.getLogger(__name__).warning("cannot record the worker's sign of life: %s", exc)


logging.getLogger("sentinel").setLevel(settings.log_level.upper())
# httpx logs every request's full URL at INFO, and a webhook URL holds the webhook's token.
for noisy in ("httpx", "httpcore"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
