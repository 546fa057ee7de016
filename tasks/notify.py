"""deliver_alert: render and send one alert, retrying with Celery's retry machinery."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from sentinel.adapters.delivery import Result, attempt_delivery
from tasks.runtime import runtime

log = logging.getLogger(__name__)


@shared_task(bind=True, name="deliver_alert", ignore_result=True, max_retries=None,
             acks_late=True)
def deliver_alert(self: Task, alert_id: str) -> str:
    rt = runtime()
    outcome = attempt_delivery(rt.store, rt.notifier, alert_id,
                               default_channel=rt.settings.alert_channel,
                               attempt=self.request.retries, lease_s=rt.delivery_lease_s)
    if outcome.result is Result.RETRY:
        log.warning("alert %s: attempt %d failed (%s): retry in %.1fs", alert_id,
                    self.request.retries + 1, outcome.reason, outcome.retry_in_s)
        raise self.retry(countdown=outcome.retry_in_s)
    level = logging.ERROR if outcome.result is Result.DEAD_LETTERED else logging.INFO
    log.log(level, "alert %s: %s (%s)", alert_id, outcome.result.value, outcome.reason)
    return outcome.result.value
