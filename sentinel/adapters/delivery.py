"""One delivery attempt of one alert: idempotent, claimed, and honest about what happened."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sentinel.adapters.notifiers.base import DeliveryError, Notifier, OutgoingMessage
from sentinel.adapters.redis_store import StateStore
from sentinel.core.alerts import Alert
from sentinel.core.backoff import MAX_ATTEMPTS, after_failure
from sentinel.core.embeds import render

log = logging.getLogger(__name__)


class Result(StrEnum):
    DELIVERED = "delivered"
    ALREADY_DELIVERED = "already delivered"
    BUSY = "busy"  # another worker holds the claim and is sending it now
    MISSING = "missing"  # not in the outbox: delivered and cleaned up, or dead-lettered
    RETRY = "retry"
    DEAD_LETTERED = "dead-lettered"


@dataclass(frozen=True)
class Outcome:
    result: Result
    reason: str
    retry_in_s: float | None = None


def message_for(alert: Alert, default_channel: str) -> OutgoingMessage:
    return OutgoingMessage(channel=alert.channel or default_channel, embeds=[render(alert)],
                           nonce=alert.id)


def attempt_delivery(store: StateStore, notifier: Notifier, alert_id: str, *,
                     default_channel: str, attempt: int, lease_s: float,
                     max_attempts: int = MAX_ATTEMPTS) -> Outcome:
    if store.is_delivered(alert_id):
        return Outcome(Result.ALREADY_DELIVERED, "the delivered-marker is set")
    if not store.claim(alert_id, lease_s):
        return Outcome(Result.BUSY, "another worker is sending it")
    try:
        # Checked again under the claim: a worker that just finished released it.
        alert = None if store.is_delivered(alert_id) else store.load_alert(alert_id)
        if alert is None:
            store.release(alert_id)
            return Outcome(Result.ALREADY_DELIVERED if store.is_delivered(alert_id)
                           else Result.MISSING, "delivered meanwhile, or not in the outbox")
        return _send_claimed(store, notifier, alert, default_channel=default_channel,
                             attempt=attempt, max_attempts=max_attempts)
    except BaseException:
        store.release(alert_id)
        raise


def _send_claimed(store: StateStore, notifier: Notifier, alert: Alert, *, default_channel: str,
                  attempt: int, max_attempts: int) -> Outcome:
    """Send an alert whose claim this worker holds; every path ends the claim."""
    try:
        message_id = notifier.send(message_for(alert, default_channel))
    except DeliveryError as exc:
        delay = after_failure(attempt, permanent=exc.permanent, retry_after_s=exc.retry_after_s,
                              max_attempts=max_attempts)
        if delay is None:
            reason = exc.reason if exc.permanent else (
                f"gave up after {attempt + 1} attempts: {exc.reason}")
            store.dead_letter(alert, reason)
            return Outcome(Result.DEAD_LETTERED, reason)
        store.postpone(alert.id, delay)
        store.release(alert.id)
        return Outcome(Result.RETRY, exc.reason, retry_in_s=delay)
    store.mark_delivered(alert.id, message_id)
    return Outcome(Result.DELIVERED, f"message {message_id}")
