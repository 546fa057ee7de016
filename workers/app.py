"""The Celery app: `celery -A workers.app worker|beat|flower` works as Celery users expect.

Settings are read and validated once, here, at start-up: invalid configuration ends the process
with exit status 2 and one line naming the setting.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import redis
from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    worker_process_init,
    worker_ready,
)

from beat_schedule import build_beat_schedule
from sentinel.adapters.redis_store import StateStore
from sentinel.config import Settings
from sentinel.queues import TASK_ROUTES
from tasks.runtime import reset_runtime
from workers.logs import apply_format
from workers.startup import load_settings_or_exit


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
        # Celery would re-log stray prints piecemeal (one JSON line per fragment): they go to
        # the real stdout/stderr as they are.
        worker_redirect_stdouts=False,
        task_annotations={"inspect_host": {"send_events": settings.inspect_task_events}},
        beat_schedule=build_beat_schedule(settings.hosts, settings.interval_s),
        # One active beat per fleet (a lease in Redis); others stand by.
        beat_scheduler="workers.beat_lock:LeaderScheduler",
    )
    return celery_app


settings = load_settings_or_exit()
app = create_app(settings)


@worker_ready.connect
def _when_ready(sender: Any = None, **_: object) -> None:
    """In the worker's main process: signs of life, and /metrics when SENTINEL_METRICS_PORT
    is set (the figures come from Redis: any one process can serve the whole fleet's)."""
    from sentinel.adapters.metrics import serve_metrics

    node = str(getattr(sender, "hostname", None) or socket.gethostname())
    threading.Thread(target=_signs_of_life, args=(node,), name="signs-of-life",
                     daemon=True).start()
    serve_metrics(settings)


@worker_process_init.connect
def _fresh_clients_per_process(**_: object) -> None:
    reset_runtime()


SIGN_OF_LIFE_S = 5.0


def _signs_of_life(node: str) -> None:
    """The worker's main process shows it is alive every few seconds (`sentinel status`,
    `sentinel health worker`), whether or not its queues bring it any work."""
    store = StateStore(redis.Redis.from_url(settings.redis_url, socket_timeout=5,
                                            socket_connect_timeout=3))
    while True:
        try:
            store.sign_of_life("worker", node)
        except redis.RedisError as exc:
            logging.getLogger(__name__).warning("cannot record the worker's sign of life: %s",
                                                exc)
        time.sleep(SIGN_OF_LIFE_S)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _structured_logs(logger: logging.Logger, **_: object) -> None:
    apply_format(logger, settings.log_format)


logging.getLogger("sentinel").setLevel(settings.log_level.upper())
# httpx logs every request's full URL at INFO, and a webhook URL holds the webhook's token.
for noisy in ("httpx", "httpcore"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
