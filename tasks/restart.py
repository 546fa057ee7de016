"""restart_container: Sentinel's auto-restart, one attempt per task (ordered by the alert step
with its backoff as the countdown; the budget is decided in sentinel/core/autorestart.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from celery import shared_task

from sentinel.adapters.docker_control import ControlError, start_container
from sentinel.core.alerts import AlertKind, about_container
from tasks.notify import deliver_alert
from tasks.runtime import runtime

log = logging.getLogger(__name__)


@shared_task(name="restart_container", ignore_result=True)
def restart_container(host: str, key: str, container_id: str, attempt: int) -> None:
    rt = runtime()
    config = rt.settings.hosts.get(host)
    if config is None:
        log.warning("restart_container: host %s is not configured (any more): skipped", host)
        return
    now = datetime.now(UTC)
    # Counted first: a crash after the start still spends the attempt (never more than N).
    state = rt.store.record_restart_attempt(host, key, container_id, attempt, now)
    if state is None:
        log.info("restart of %s/%s (attempt %d): not needed any more", host, key, attempt)
        return
    detail = None
    try:
        start_container(config, container_id)
    except ControlError as exc:
        detail = f"Docker refused the start: {exc}"
        log.warning("restart of %s/%s (attempt %d) failed: %s", host, key, attempt, exc)
    else:
        log.warning("%s/%s: restarted by Sentinel, attempt %d/%d", host, key, attempt,
                    rt.settings.restart_max_attempts)
    alert = about_container(AlertKind.RESTARTING, host, state, now, host_url=config.url,
                            attempt=attempt, max_attempts=rt.settings.restart_max_attempts,
                            detail=detail)
    rt.store.add_alert(alert)
    deliver_alert.delay(alert.id)
