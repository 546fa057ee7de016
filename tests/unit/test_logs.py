"""Structured logs: JSON lines when not on a terminal."""

from __future__ import annotations

import io
import json
import logging

import pytest

from workers.logs import JsonFormatter, apply_format, wants_json


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "setting", "expected"), [
    (io.StringIO(), "auto", True), (Tty(), "auto", False), (Tty(), "json", True),
    (io.StringIO(), "text", False), (None, "auto", True)])
def test_json_unless_on_a_terminal_or_told(stream, setting, expected) -> None:
    assert wants_json(stream, setting) is expected


def test_a_record_is_one_json_object_with_its_reason() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("sentinel.test-logs")
    logger.handlers, logger.propagate = [logging.StreamHandler(stream)], False
    apply_format(logger, "auto")
    logger.warning("alert %s dead on %s: %s", "d-1", "it/web", "died: running -> dead")
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "alert d-1 dead on it/web: died: running -> dead"
    assert (entry["level"], entry["logger"]) == ("warning", "sentinel.test-logs")
    assert entry["time"].endswith("+00:00")


def test_an_exception_is_kept_in_the_object() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None,
                                   exc_info=__import__("sys").exc_info())
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["error"]
