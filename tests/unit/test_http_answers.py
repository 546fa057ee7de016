"""Reading chat API answers (sentinel/adapters/notifiers/http_answers.py), no network."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from sentinel.adapters.notifiers.base import DeliveryError
from sentinel.adapters.notifiers.http_answers import check, retry_after_s

HINT = "SENTINEL_BOT_API_TOKEN"


def refused(response: httpx.Response) -> DeliveryError:
    with pytest.raises(DeliveryError) as raised:
        check(response, "send to #alerts", credential_hint=HINT)
    return raised.value


@pytest.mark.parametrize(
    ("response", "permanent", "retry_after", "status", "reason"),
    [
        # 429 with a JSON retry_after: wait that long
        pytest.param(httpx.Response(429, json={"message": "You are being rate limited.",
                                               "retry_after": 2.5, "global": False}),
                     False, 2.5, 429, "send to #alerts: rate limited (429), retry after 2.5s",
                     id="429-json-retry-after"),
        # 429 with only a Retry-After header
        pytest.param(httpx.Response(429, headers={"Retry-After": "7"}, text="slow down"),
                     False, 7.0, 429, "send to #alerts: rate limited (429), retry after 7.0s",
                     id="429-header-retry-after"),
        # 429 saying nothing: one second
        pytest.param(httpx.Response(429), False, 1.0, 429,
                     "send to #alerts: rate limited (429), retry after 1.0s",
                     id="429-no-retry-after"),
        # 5xx: transient
        pytest.param(httpx.Response(500, text="Internal Server Error"), False, None, 500,
                     "send to #alerts: server error 500: Internal Server Error", id="500"),
        pytest.param(httpx.Response(503, json={"message": "down for maintenance"}), False, None,
                     503, "send to #alerts: server error 503: down for maintenance", id="503"),
        # bad credentials: permanent, and says which setting to check
        pytest.param(httpx.Response(401, json={"message": "401: Unauthorized", "code": 0}),
                     True, None, 401,
                     "send to #alerts: rejected the credentials (401 401: Unauthorized); "
                     "check SENTINEL_BOT_API_TOKEN", id="401"),
        pytest.param(httpx.Response(403, json={"error": "Missing Access"}), True, None, 403,
                     "send to #alerts: forbidden (403 Missing Access): the bot lacks a "
                     "permission there (View Channel, Send Messages, Manage Channels to create "
                     "one)", id="403"),
        # other 4xx: permanent, with the status
        pytest.param(httpx.Response(404, json={"message": "Unknown Channel", "code": 10003}),
                     True, None, 404, "send to #alerts: refused (404 Unknown Channel)", id="404"),
        pytest.param(httpx.Response(400, json={"embeds": ["0"]}), True, None, 400,
                     'send to #alerts: refused (400 {"embeds": ["0"]})', id="400-json-no-message"),
        pytest.param(httpx.Response(404), True, None, 404,
                     "send to #alerts: refused (404 Not Found)", id="404-empty-body"),
        # a 200 that is not JSON: possibly sent, so retry (the nonce prevents a double)
        pytest.param(httpx.Response(200, text="<html>proxy</html>"), False, None, None,
                     "send to #alerts: unreadable answer (200): '<html>proxy</html>'",
                     id="200-not-json"),
        # a 200 that is JSON but neither an object nor a list (a list is a listing's answer)
        pytest.param(httpx.Response(200, json="ok"), False, None, None,
                     "send to #alerts: unreadable answer (200): '\"ok\"'", id="200-json-string"),
    ],
)
def test_it_classifies_each_failed_answer(response: httpx.Response, permanent: bool,
                                          retry_after: float | None, status: int | None,
                                          reason: str) -> None:
    error = refused(response)
    assert (error.permanent, error.retry_after_s, error.status) == (permanent, retry_after,
                                                                    status)
    assert error.reason == reason == str(error)


def test_it_returns_the_json_body_of_a_success() -> None:
    body = {"id": "1187654321098765432", "channel_id": "42"}
    assert check(httpx.Response(200, json=body), "send") == body


def test_it_leaves_out_the_hint_when_there_is_none() -> None:
    with pytest.raises(DeliveryError) as raised:
        check(httpx.Response(401, text="no"), "ensure channel #x")
    assert raised.value.reason == "ensure channel #x: rejected the credentials (401 no)"


def test_it_shortens_what_the_service_said() -> None:
    error = refused(httpx.Response(400, text="word " * 500))
    said = error.reason.removeprefix("send to #alerts: refused (400 ").removesuffix(")")
    assert len(said) == 200


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        # the JSON body
        pytest.param(httpx.Response(429, json={"retry_after": 0.25}), 0.25, id="json"),
        pytest.param(httpx.Response(429, json={"retry_after": "3"}), 3.0, id="json-string"),
        # the header
        pytest.param(httpx.Response(429, headers={"Retry-After": "12"}), 12.0, id="header"),
        # the JSON body wins over the header
        pytest.param(httpx.Response(429, headers={"Retry-After": "60"},
                                    json={"retry_after": 1.5}), 1.5, id="json-wins"),
        # JSON without retry_after falls back on the header
        pytest.param(httpx.Response(429, headers={"Retry-After": "4"}, json={"message": "slow"}),
                     4.0, id="json-without-it"),
        # negative waits are no wait
        pytest.param(httpx.Response(429, json={"retry_after": -1}), 0.0, id="negative-json"),
        pytest.param(httpx.Response(429, headers={"Retry-After": "-5"}), 0.0,
                     id="negative-header"),
        # an HTTP-date or garbage header is not understood
        pytest.param(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}),
                     None, id="http-date"),
        # nothing said
        pytest.param(httpx.Response(429), None, id="nothing"),
        pytest.param(httpx.Response(429, content=json.dumps([1]).encode()), None,
                     id="json-list"),
    ],
)
def test_it_reads_how_long_to_wait(response: httpx.Response, expected: Any) -> None:
    assert retry_after_s(response) == expected
