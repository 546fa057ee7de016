"""Delivery: the alerts waiting for a channel are sent by one worker at a time, as few messages
as the limits allow, each confirmed before the next, none lost, none shown twice.

- Every alert id goes into its channel's pending set; whichever worker holds the channel's
  lease drains the set, so alerts that pile up while a message is in flight (or while the
  rate limit makes us wait) go out together in the next message (`core.batching`).
- The batch being sent is stored before the send: a retry, by this worker or another after a
  crash, sends exactly the same message with the same nonce, so Discord shows it once.
- Each batch counts its own failed attempts; after MAX_ATTEMPTS, or at once on a permanent
  refusal, its alerts become dead letters with the reason.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sentinel.adapters.notifiers.base import DeliveryError, Notifier, OutgoingMessage
from sentinel.adapters.redis_store import StateStore
from sentinel.core import discord_limits as lim
from sentinel.core.alerts import Alert
from sentinel.core.backoff import MAX_ATTEMPTS, after_failure
from sentinel.core.batching import Batch, pack
from sentinel.core.embeds import render
from sentinel.core.incidents import gather

log = logging.getLogger(__name__)

MAX_PENDING_READ = 1000  # alerts considered for one message (the rest wait for the next)


class Result(StrEnum):
    DELIVERED = "delivered"
    ALREADY_DELIVERED = "already delivered"
    IDLE = "nothing to send"
    BUSY = "busy"  # another worker holds the channel's lease and will send it
    RETRY = "retry"


@dataclass(frozen=True)
class Outcome:
    result: Result
    reason: str
    retry_in_s: float | None = None


def message_for(alert: Alert, default_channel: str) -> OutgoingMessage:
    """A lone alert as a message (used by `sentinel test-alert`)."""
    return OutgoingMessage(channel=alert.channel or default_channel, embeds=[render(alert)],
                           nonce=alert.id)


def deliver(store: StateStore, notifier: Notifier, alert_id: str, *, lease_s: float,
            max_attempts: int = MAX_ATTEMPTS) -> Outcome:
    """Make sure `alert_id` is on its way: in its channel's queue, and the channel drained."""
    alert = store.load_alert(alert_id)
    if alert is None:
        done = store.is_delivered(alert_id)
        return Outcome(Result.ALREADY_DELIVERED if done else Result.IDLE,
                       "delivered already" if done else "not in the outbox (dead-lettered?)")
    store.enqueue_pending(alert)  # already there unless swept or re-sent: harmless
    return drain_channel(store, notifier, store.channel_of(alert), lease_s=lease_s,
                         max_attempts=max_attempts)


def drain_channel(store: StateStore, notifier: Notifier, channel: str, *, lease_s: float,
                  max_attempts: int = MAX_ATTEMPTS) -> Outcome:
    token = secrets.token_hex(8)
    outcome = Outcome(Result.BUSY, f"another worker is sending to #{channel}")
    while store.lock_channel(channel, token, lease_s):
        try:
            outcome = _drain(store, notifier, channel, token, lease_s, max_attempts)
        finally:
            store.unlock_channel(channel, token)
        # An alert queued while we held the lease found it taken and left it to us: look
        # again after letting go, or it would wait for the sweep.
        if outcome.result is Result.RETRY or not store.has_pending(channel):
            break
    return outcome


def _next_batch(store: StateStore, notifier: Notifier, channel: str, token: str
                ) -> tuple[dict[str, Any] | None, float | None]:
    """The next message to send, and if there is none yet, how long a cascade is held."""
    alerts = store.pending_alerts(channel, MAX_PENDING_READ)
    if not alerts:
        return None, None
    gathered = gather(alerts, datetime.now(UTC), store.judgement.incident_window_s)
    if not gathered.ready:
        return None, gathered.hold_s
    room = notifier.capacity(channel)
    waiting = max(0, store.pending_count(channel) - len(alerts))
    batch: Batch = pack(gathered.ready, render, waiting=waiting, summarize_overflow=(
        len(gathered.ready) > lim.MESSAGE_EMBEDS and room is not None and room <= 1))
    # An incident's embed stands for its members' alerts too: delivered together.
    members = {a.id: a.member_ids for a in gathered.ready}
    saved = {"nonce": batch.nonce, "embeds": batch.embeds,
             "shown_ids": [m for i in batch.shown_ids for m in (i, *members.get(i, []))],
             "summarized_ids": [m for i in batch.summarized_ids
                                for m in (i, *members.get(i, []))],
             "attempts": 0, "next_attempt_at": 0.0}
    return (saved if store.save_inflight(channel, saved, token) else None), None


def _drain(store: StateStore, notifier: Notifier, channel: str, token: str, lease_s: float,
           max_attempts: int) -> Outcome:
    messages = dead = 0
    while True:
        # Every send happens under a lease this worker still holds: one that lost it (a slow
        # send, a paused process) stops, and its successor owns the channel.
        if not store.extend_channel_lock(channel, token, lease_s):
            return Outcome(Result.BUSY, "lost the channel's lease")
        batch, hold_s = store.load_inflight(channel), None
        if batch is None:
            batch, hold_s = _next_batch(store, notifier, channel, token)
        if batch is None and hold_s is not None:
            return Outcome(Result.RETRY, f"{messages} message(s) sent; holding death(s) "
                           "to gather their cascade into one incident", retry_in_s=hold_s)
        if batch is None:
            return Outcome(Result.DELIVERED if messages else Result.IDLE,
                           f"{messages} message(s) sent, {dead} alert(s) dead-lettered, "
                           f"#{channel}")
        wait_s = float(batch.get("next_attempt_at", 0.0)) - time.time()
        if wait_s > 0:  # a failed send backs off, whichever task comes to the channel
            return Outcome(Result.RETRY, "backing off after a failed send", retry_in_s=wait_s)
        ids = batch["shown_ids"] + batch["summarized_ids"]
        store.count("delivery_attempts")
        try:
            message_id = notifier.send(OutgoingMessage(channel=channel, embeds=batch["embeds"],
                                                       nonce=batch["nonce"]))
        except DeliveryError as exc:
            if exc.deferred:  # nothing was sent: our own limiter asks us to wait
                wait = exc.retry_after_s or 1.0
                store.postpone(ids, wait)
                return Outcome(Result.RETRY, exc.reason, retry_in_s=wait)
            store.count("delivery_failures")
            attempt = int(batch["attempts"])
            delay = after_failure(attempt, permanent=exc.permanent,
                                  retry_after_s=exc.retry_after_s, max_attempts=max_attempts)
            if delay is None:
                reason = exc.reason if exc.permanent else (
                    f"gave up after {attempt + 1} attempts: {exc.reason}")
                count = store.dead_letter(ids, reason, channel, token, batch["nonce"])
                log.error("#%s: %d alert(s) dead-lettered: %s", channel, count, reason)
                dead += count
                continue
            store.save_inflight(channel, {**batch, "attempts": attempt + 1,
                                          "next_attempt_at": time.time() + delay}, token)
            store.postpone(ids, delay)
            return Outcome(Result.RETRY, exc.reason, retry_in_s=delay)
        store.mark_delivered(ids, message_id, channel, batch["nonce"])
        messages += 1
        log.info("#%s: message %s carries %d alert(s) (%d summarized)", channel, message_id,
                 len(ids), len(batch["summarized_ids"]))
