"""Logs: readable lines on a terminal, one JSON object per line otherwise (journald, Loki,
`docker logs`), so that each decision and its reason can be searched.

stdlib logging with a small formatter rather than another dependency: Celery owns the
handlers of its worker and beat, and only needs their formatter swapped (its signals below).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.processName,
        }
        task = _current_task()
        if task is not None:
            entry["task"], entry["task_id"] = task
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _current_task() -> tuple[str, str] | None:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - Celery is a dependency
        return None
    if current_task and current_task.request and current_task.request.id:
        return str(current_task.name), str(current_task.request.id)
    return None


def wants_json(stream: Any, log_format: str) -> bool:
    if log_format in ("json", "text"):
        return log_format == "json"
    isatty = getattr(stream, "isatty", None)
    return not (isatty and isatty())


def apply_format(logger: logging.Logger, log_format: str) -> None:
    """JSON on every handler of `logger` whose stream is not a terminal (or as told)."""
    for handler in logger.handlers:
        if wants_json(getattr(handler, "stream", None), log_format):
            handler.setFormatter(JsonFormatter())
