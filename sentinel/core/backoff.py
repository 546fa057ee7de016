"""The retry policy for deliveries, in one place (after dramatiq's `compute_backoff`)."""

from __future__ import annotations

import random

BASE_DELAY_S = 1.0
MAX_DELAY_S = 300.0
# Transient failures are retried for about half an hour (1+2+4+...+300 s) before the alert is
# dead-lettered with its reason, so an outage of the chat service loses nothing.
MAX_ATTEMPTS = 12


def compute_backoff(attempt: int, *, base_s: float = BASE_DELAY_S, max_s: float = MAX_DELAY_S,
                    jitter: float = 0.25, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: attempt 0 -> ~1 s, 1 -> ~2 s, ... capped at max_s.

    The jitter spreads retries of a burst so that they do not all hit the API at once.
    """
    delay = min(max_s, base_s * (2 ** max(0, attempt)))
    spread = delay * jitter
    return max(0.0, delay + (rng or random).uniform(-spread, spread))


def retry_delay(attempt: int, retry_after_s: float | None) -> float:
    """A rate limit's `retry_after` wins; otherwise the backoff."""
    if retry_after_s is not None:
        return max(0.0, retry_after_s)
    return compute_backoff(attempt)


def after_failure(attempt: int, *, permanent: bool, retry_after_s: float | None,
                  max_attempts: int = MAX_ATTEMPTS) -> float | None:
    """Seconds until the next attempt, or None: give up and dead-letter the alert.

    `attempt` counts from 0 (the first try).
    """
    if permanent or attempt + 1 >= max_attempts:
        return None
    return retry_delay(attempt, retry_after_s)
