"""The retry policy (sentinel/core/backoff.py)."""

from __future__ import annotations

import random

import pytest

from sentinel.core.backoff import (
    BASE_DELAY_S,
    MAX_ATTEMPTS,
    MAX_DELAY_S,
    after_failure,
    compute_backoff,
    retry_delay,
)


@pytest.mark.parametrize(
    ("attempt", "delay_s"),
    [
        # doubles from the base
        pytest.param(0, 1.0, id="first"),
        pytest.param(1, 2.0, id="second"),
        pytest.param(2, 4.0, id="third"),
        pytest.param(8, 256.0, id="ninth"),
        # capped at the maximum
        pytest.param(9, 300.0, id="capped"),
        pytest.param(50, 300.0, id="far-past-the-cap"),
        # a negative attempt is the first
        pytest.param(-3, 1.0, id="negative"),
    ],
)
def test_it_grows_the_backoff_exponentially_up_to_a_cap(attempt: int, delay_s: float) -> None:
    assert compute_backoff(attempt, jitter=0.0) == delay_s


@pytest.mark.parametrize("attempt", range(0, 14))
def test_it_keeps_the_jitter_within_its_bounds(attempt: int) -> None:
    rng = random.Random(attempt)
    nominal = min(MAX_DELAY_S, BASE_DELAY_S * 2**attempt)
    delays = [compute_backoff(attempt, jitter=0.25, rng=rng) for _ in range(200)]
    assert all(0.75 * nominal <= d <= 1.25 * nominal for d in delays)
    assert len(set(delays)) > 1  # it does spread


def test_it_jitters_the_same_way_for_the_same_seed() -> None:
    first = [compute_backoff(a, rng=random.Random(7)) for a in range(5)]
    second = [compute_backoff(a, rng=random.Random(7)) for a in range(5)]
    assert first == second


def test_it_honours_custom_base_and_cap() -> None:
    delays = [compute_backoff(a, base_s=0.5, max_s=3.0, jitter=0.0) for a in range(5)]
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(
    ("attempt", "permanent", "retry_after_s", "expected"),
    [
        # a permanent failure is never retried
        pytest.param(0, True, None, None, id="permanent"),
        pytest.param(0, True, 5.0, None, id="permanent-even-with-retry-after"),
        # the last attempt gives up
        pytest.param(MAX_ATTEMPTS - 1, False, None, None, id="last-attempt"),
        pytest.param(MAX_ATTEMPTS - 1, False, 5.0, None, id="last-attempt-with-retry-after"),
        # a rate limit's retry_after wins over the backoff
        pytest.param(0, False, 42.0, 42.0, id="retry-after-wins"),
        pytest.param(5, False, 0.5, 0.5, id="retry-after-shorter-than-backoff"),
        pytest.param(3, False, 0.0, 0.0, id="retry-after-zero"),
        pytest.param(3, False, -2.0, 0.0, id="retry-after-negative-is-now"),
    ],
)
def test_it_decides_what_follows_a_failure(attempt: int, permanent: bool,
                                           retry_after_s: float | None,
                                           expected: float | None) -> None:
    assert after_failure(attempt, permanent=permanent, retry_after_s=retry_after_s) == expected


@pytest.mark.parametrize("attempt", [0, 3, MAX_ATTEMPTS - 2])
def test_it_backs_off_after_a_transient_failure(attempt: int) -> None:
    nominal = min(MAX_DELAY_S, BASE_DELAY_S * 2**attempt)
    delay = after_failure(attempt, permanent=False, retry_after_s=None)
    assert delay is not None
    assert 0.75 * nominal <= delay <= 1.25 * nominal


def test_it_respects_a_smaller_attempt_budget() -> None:
    assert after_failure(1, permanent=False, retry_after_s=3.0, max_attempts=2) is None
    assert after_failure(0, permanent=False, retry_after_s=3.0, max_attempts=2) == 3.0


def test_it_uses_retry_after_over_backoff_in_retry_delay() -> None:
    assert retry_delay(9, 1.5) == 1.5
