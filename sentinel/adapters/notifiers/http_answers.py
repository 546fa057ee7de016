"""Reading HTTP answers of chat APIs into success or a DeliveryError that says what to do.

Shared by every HTTP notifier so that a 429, a 5xx or a bad token means the same everywhere.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from sentinel.adapters.notifiers.base import DeliveryError

_REASON_CHARS = 200


def retry_after_s(response: httpx.Response) -> float | None:
    """Seconds to wait, from the JSON `retry_after` or the `Retry-After` header (seconds)."""
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("retry_after") is not None:
            return max(0.0, float(body["retry_after"]))
    except (ValueError, TypeError):
        pass
    header = response.headers.get("Retry-After")
    try:
        return max(0.0, float(header)) if header is not None else None
    except ValueError:
        return None


def _said(response: httpx.Response) -> str:
    """What the service said, short, for the dead-letter reason and `test-alert`."""
    try:
        body = response.json()
        if isinstance(body, dict):
            text = body.get("message") or body.get("error") or json.dumps(body)
        else:
            text = json.dumps(body)
    except ValueError:
        text = response.text
    text = " ".join(str(text).split())
    return text[:_REASON_CHARS] or response.reason_phrase


def check(response: httpx.Response, what: str, *, credential_hint: str = ""
          ) -> dict[str, Any] | list[Any]:
    """The JSON body of a success; otherwise a DeliveryError classified for retrying."""
    code = response.status_code
    if code == 429:
        said = retry_after_s(response)
        wait = said if said is not None else 1.0  # a 429 that says nothing: wait a second
        raise DeliveryError(f"{what}: rate limited (429), retry after {wait}s",
                            retry_after_s=wait, status=code)
    if code >= 500:
        raise DeliveryError(f"{what}: server error {code}: {_said(response)}", status=code)
    if code == 401:
        hint = f"; check {credential_hint}" if credential_hint else ""
        raise DeliveryError(f"{what}: rejected the credentials ({code} {_said(response)}){hint}",
                            permanent=True, status=code)
    if code == 403:
        raise DeliveryError(f"{what}: forbidden ({code} {_said(response)}): the bot lacks a "
                            "permission there (View Channel, Send Messages, Manage Channels to "
                            "create one)", permanent=True, status=code)
    if 300 <= code < 400:  # a chat API does not redirect a POST: the URL is wrong
        # (where to is not said: a webhook's target would carry its token)
        raise DeliveryError(f"{what}: redirected ({code}): check the URL", permanent=True,
                            status=code)
    if code >= 400:
        raise DeliveryError(f"{what}: refused ({code} {_said(response)})", permanent=True,
                            status=code)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict | list):
        # Possibly sent, possibly not: retrying is safe because the nonce prevents a double.
        raise DeliveryError(f"{what}: unreadable answer ({code}): {response.text[:80]!r}")
    return body


def transport_error(what: str, exc: httpx.HTTPError) -> DeliveryError:
    """Timeouts and connection errors: worth retrying (the nonce makes the retry safe)."""
    return DeliveryError(f"{what}: {type(exc).__name__}: {exc}"[:300])
