"""deliver_alert: see that an alert reaches its channel, retrying with Celery's machinery."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from sentinel.adapters.delivery import Result, deliver
from tasks.runtime import runtime

log = logging.getLogger(__name__)


@shared_task(bind=True, name="deliver_alert", ignore_result=True, max_retries=None,
             acks_late=True)
def deliver_alert(self: Task, alert_id: str) -> str:
    """Attempts are counted per message in Redis (a batch may be retried by any task), so
    Celery's own retry count is unlimited here; `core.backoff` decides when to give up."""
    rt = runtime()
    outcome = deliver(rt.store, rt.notifier, alert_id, lease_s=rt.delivery_lease_s)
    if outcome.result is Result.RETRY:
        log.warning("alert %s: not sent yet (%s): retry in %.1fs", alert_id, outcome.reason,
                    outcome.retry_in_s or 0)
        raise self.retry(countdown=outcome.retry_in_s or 1.0)  # never Celery's 180 s default
    log.info("alert %s: %s (%s)", alert_id, outcome.result.value, outcome.reason)
    return outcome.result.value
