"""The Discord bot HTTP API of CONTRACT.md: ensure a channel by name once, then send to it."""

from __future__ import annotations

import httpx

from sentinel.adapters.notifiers.base import DeliveryError, OutgoingMessage
from sentinel.adapters.notifiers.http_answers import check, transport_error

TOKEN_SETTING = "SENTINEL_BOT_API_TOKEN"


class BotApiNotifier:
    name = "botapi"

    def __init__(self, base_url: str, token: str | None, *, timeout_s: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s,
                                 transport=transport)
        self._channel_ids: dict[str, str] = {}  # name -> id, for the life of the process

    def _post(self, path: str, body: dict[str, object], what: str) -> dict[str, object]:
        try:
            response = self.http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise transport_error(what, exc) from exc
        return check(response, what, credential_hint=TOKEN_SETTING)

    def channel_id(self, name: str) -> str:
        if name not in self._channel_ids:
            body = self._post("/channels/ensure", {"name": name}, f"ensure channel #{name}")
            channel_id = body.get("id")
            if not isinstance(channel_id, str | int) or not str(channel_id):
                raise DeliveryError(f"ensure channel #{name}: answer has no channel id")
            self._channel_ids[name] = str(channel_id)
        return self._channel_ids[name]

    def send(self, message: OutgoingMessage) -> str:
        what = f"send to #{message.channel}"
        try:
            body = self._post(f"/send/{self.channel_id(message.channel)}", message.payload(), what)
        except DeliveryError as exc:
            if exc.status != 404:
                raise
            # The channel is gone (deleted, or the bot restarted): ensure it again, once.
            self._channel_ids.pop(message.channel, None)
            body = self._post(f"/send/{self.channel_id(message.channel)}", message.payload(), what)
        return str(body.get("id", ""))

    def describe_target(self, channel: str) -> str:
        return f"#{channel} through the bot API at {self.base_url}"

    def close(self) -> None:
        self.http.close()
