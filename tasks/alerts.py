"""record_observations: the deduplicating alert step; sweep_outbox: nothing committed is lost."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from pydantic import ValidationError

from sentinel.core.model import HostSnapshot
from tasks.notify import deliver_alert
from tasks.restart import restart_container
from tasks.runtime import runtime

log = logging.getLogger(__name__)


@shared_task(name="record_observations", ignore_result=True)
def record_observations(host: str, snapshot: dict[str, Any]) -> None:
    rt = runtime()
    try:
        parsed = HostSnapshot.model_validate(snapshot)
    except ValidationError as exc:
        log.error("record_observations(%s): unreadable snapshot, dropped: %s", host,
                  exc.errors()[0])
        return
    config = rt.settings.hosts.get(host)
    result = rt.store.record_snapshot(parsed, host_url=config.url if config else "")
    for key, reason in result.reasons.items():
        log.debug("%s/%s: %s", host, key, reason)
    for alert in result.alerts:
        log.info("alert %s %s on %s/%s: %s", alert.id, alert.kind.value, host, alert.key or "-",
                 result.reasons.get(alert.key, "host summary"))
        # Committed to the outbox already: if this enqueue is lost, sweep_outbox sends it.
        deliver_alert.delay(alert.id)
    for order in result.restarts:
        log.info("%s/%s: %s", host, order.key, result.reasons.get(order.key, "restart"))
        restart_container.apply_async(args=(host, order.key, order.container_id, order.attempt),
                                      countdown=order.delay_s)


@shared_task(name="sweep_outbox", ignore_result=True)
def sweep_outbox() -> None:
    """Every few seconds (beat): alerts not delivered in time go again, and silences that
    ended report what changed while they lasted."""
    store = runtime().store
    for alert_id in store.take_due():
        log.warning("alert %s was not delivered in time: enqueued again", alert_id)
        deliver_alert.delay(alert_id)
    now = datetime.now(UTC)
    for alert in store.close_ended_silences(now) + store.due_reminders(now):
        deliver_alert.delay(alert.id)
