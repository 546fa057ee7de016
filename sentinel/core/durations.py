"""Human durations for embeds: `~31s`, `~2m 5s`, `~3h 12m`, `~2d 4h`."""

from __future__ import annotations

import re

_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def approx_duration(seconds: float) -> str:
    """Round to whole seconds and show the two most significant units, prefixed with `~`."""
    remaining = max(0, round(seconds))
    parts: list[str] = []
    for suffix, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count or (parts and len(parts) < 2):
            parts.append(f"{count}{suffix}")
        if len(parts) == 2:
            break
    parts = [p for p in parts if not p.startswith("0")] or ["0s"]
    return "~" + " ".join(parts)


_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")


def parse_duration(text: str) -> float:
    """`2h`, `90m`, `1h30m`, `45s`, `1d`: seconds. ValueError with the reason otherwise."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or _SPAN.sub("", compact):
        raise ValueError(f"{text!r} is not a duration like 2h, 30m, 1h30m or 45s")
    seconds = sum(float(n) * dict(_UNITS)[u] for n, u in _SPAN.findall(compact))
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return seconds
