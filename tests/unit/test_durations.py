"""Human durations for embeds (sentinel/core/durations.py)."""

from __future__ import annotations

import pytest

from sentinel.core.durations import approx_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        # nothing at all
        pytest.param(0, "~0s", id="zero"),
        # under a minute: seconds only
        pytest.param(1, "~1s", id="one-second"),
        pytest.param(31, "~31s", id="31s"),
        pytest.param(59, "~59s", id="59s"),
        # rounded to whole seconds
        pytest.param(30.4, "~30s", id="rounds-down"),
        pytest.param(30.6, "~31s", id="rounds-up"),
        pytest.param(59.6, "~1m", id="rounds-into-a-minute"),
        # minutes, with the seconds when there are some
        pytest.param(60, "~1m", id="one-minute"),
        pytest.param(125, "~2m 5s", id="2m-5s"),
        pytest.param(3599, "~59m 59s", id="just-under-an-hour"),
        # hours: two most significant units, zeros left out
        pytest.param(3600, "~1h", id="one-hour"),
        pytest.param(3660, "~1h 1m", id="1h-1m"),
        pytest.param(3601, "~1h", id="seconds-dropped-under-hours"),
        pytest.param(3 * 3600 + 12 * 60 + 9, "~3h 12m", id="3h-12m"),
        # days
        pytest.param(86_400, "~1d", id="one-day"),
        pytest.param(2 * 86_400 + 4 * 3600 + 59, "~2d 4h", id="2d-4h"),
        pytest.param(86_400 + 59 * 60, "~1d", id="minutes-dropped-under-days"),
        # a negative duration (clock skew) is no time at all
        pytest.param(-5, "~0s", id="negative"),
    ],
)
def test_it_shows_a_duration_approximately(seconds: float, text: str) -> None:
    assert approx_duration(seconds) == text
