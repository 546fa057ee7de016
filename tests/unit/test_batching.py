"""Coalescing: which alerts go into the next message, and how."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.core import discord_limits as lim
from sentinel.core.alerts import Alert, AlertKind
from sentinel.core.batching import batch_nonce, pack, summary_line
from sentinel.core.embeds import embed_chars, render

T0 = datetime(2026, 11, 24, 18, 17, tzinfo=UTC)


def alerts(n: int, **changes: object) -> list[Alert]:
    return [Alert(**{"id": f"d-{i:04d}", "kind": AlertKind.DEAD, "host": "h", "name": f"svc{i}",
                     "image": "img", "exit_code": 137,
                     "occurred_at": T0 + timedelta(seconds=i), **changes})  # type: ignore[arg-type]
            for i in range(n)]


@pytest.mark.parametrize(
    ("count", "summarize", "embeds", "shown", "summarized"),
    [
        # a lone alert goes out alone, at once
        pytest.param(1, False, 1, 1, 0, id="one"),
        # up to ten fit in one message
        pytest.param(10, True, 10, 10, 0, id="ten"),
        # more than ten, room for more messages soon: ten now, the rest next
        pytest.param(11, False, 10, 10, 0, id="eleven-no-pressure"),
        # more than ten and the rate limit is about to bite: nine full and a summary of two
        pytest.param(11, True, 10, 9, 2, id="eleven-summarized"),
        # far more than fit: the summary lists what fits in 6000 characters, others wait
        pytest.param(160, True, 10, 9, 105, id="hundred-and-sixty"),
    ],
)
def test_it_packs_waiting_alerts_into_one_valid_message(count, summarize, embeds, shown,
                                                        summarized) -> None:
    batch = pack(alerts(count), render, summarize_overflow=summarize)
    assert (len(batch.embeds), len(batch.shown_ids), len(batch.summarized_ids)) == (
        embeds, shown, summarized)
    assert len(batch.embeds) <= lim.MESSAGE_EMBEDS
    assert sum(embed_chars(e) for e in batch.embeds) <= lim.EMBED_TOTAL_CHARS
    assert batch.alert_ids == [f"d-{i:04d}" for i in range(shown + summarized)]  # oldest first


def test_a_summary_says_how_many_it_lists_and_how_many_follow() -> None:
    batch = pack(alerts(160), render, summarize_overflow=True, waiting=40)
    summary = batch.embeds[-1]
    assert summary["title"] == "+105 more"
    lines = summary["description"].splitlines()
    assert lines[0] == "[DEAD] svc9 on h: exit 137 (SIGKILL)"
    assert lines[-1] == "(86 more follow in the next message)"  # 46 left here + 40 waiting


def test_huge_alerts_still_make_a_valid_message() -> None:
    big = alerts(30, name="n" * 5000, image="i" * 5000)
    batch = pack(big, render, summarize_overflow=True)
    assert sum(embed_chars(e) for e in batch.embeds) <= lim.EMBED_TOTAL_CHARS
    assert all(len(e.get("description", "")) <= lim.EMBED_DESCRIPTION_CHARS for e in batch.embeds)
    assert batch.alert_ids  # progress is always made


def test_the_nonce_of_a_batch_is_its_alerts_and_a_lone_alert_keeps_its_id() -> None:
    assert batch_nonce(["d-1"]) == "d-1"
    assert batch_nonce(["d-1", "d-2"]) == batch_nonce(["d-2", "d-1"])
    assert batch_nonce(["d-1", "d-2"]) != batch_nonce(["d-1", "d-3"])
    assert len(batch_nonce([f"d-{i}" for i in range(50)])) <= 25


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        # a death: name, host, exit code with its signal
        ({}, "[DEAD] svc0 on h: exit 137 (SIGKILL)"),
        # a return: how long it was down
        ({"kind": AlertKind.RECOVERED, "downtime_s": 125},
         "Recovered: svc0 on h (was down ~2m 5s)"),
        # container-supplied text is escaped
        ({"name": "a_*b*"}, "[DEAD] a\\_\\*b\\* on h: exit 137 (SIGKILL)"),
    ],
)
def test_each_summarized_alert_is_one_readable_line(changes, line) -> None:
    assert summary_line(alerts(1, **changes)[0]) == line


def test_a_summary_over_many_hosts_with_long_names_still_fits_the_message() -> None:
    """Found in review: the hosts field and the closing line were not counted, and a summary
    could push a message past 6000 characters (Discord: 400, the whole batch lost)."""
    many = [Alert(id=f"d-{i:04d}", kind=AlertKind.DEAD, host=f"host-{i:03d}-" + "h" * 30,
                  name="n" * 40 + str(i), image="img", exit_code=137,
                  occurred_at=T0 + timedelta(seconds=i)) for i in range(120)]
    batch = pack(many, render, summarize_overflow=True, waiting=500)
    assert sum(embed_chars(e) for e in batch.embeds) <= lim.EMBED_TOTAL_CHARS
    assert batch.summarized_ids, "the summary still lists some"
