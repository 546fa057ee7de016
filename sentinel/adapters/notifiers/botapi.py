"""The Discord bot HTTP API of CONTRACT.md: ensure a channel by name once, then send to it."""

from __future__ import annotations

import httpx

from sentinel.adapters.notifiers.base import DeliveryError, OutgoingMessage
from sentinel.adapters.notifiers.http import ChatHttp, send_to_named_channel
from sentinel.adapters.ratelimit import RateLimiter
from sentinel.config import redact_url

TOKEN_SETTING = "SENTINEL_BOT_API_TOKEN"
SEND_ROUTE = "botapi POST /send/{channel}"
ENSURE_ROUTE = "botapi POST /channels/ensure"


class BotApiNotifier:
    name = "botapi"

    def __init__(self, base_url: str, token: str | None, *, timeout_s: float = 10.0,
                 limiter: RateLimiter | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.http = ChatHttp(httpx.Client(base_url=self.base_url, headers=headers,
                                          timeout=timeout_s, transport=transport),
                             limiter, TOKEN_SETTING)
        self.limiter = limiter
        self._channel_ids: dict[str, str] = {}  # name -> id, for the life of the process

    def channel_id(self, name: str) -> str:
        if name not in self._channel_ids:
            body = self.http.request("POST", "/channels/ensure", json={"name": name},
                                     route=ENSURE_ROUTE, major="", what=f"ensure channel #{name}")
            channel_id = body.get("id") if isinstance(body, dict) else None
            if not isinstance(channel_id, str | int) or not str(channel_id):
                raise DeliveryError(f"ensure channel #{name}: answer has no channel id")
            self._channel_ids[name] = str(channel_id)
        return self._channel_ids[name]

    def _send(self, message: OutgoingMessage) -> str:
        channel_id = self.channel_id(message.channel)
        body = self.http.request("POST", f"/send/{channel_id}", json=message.payload(),
                                 route=SEND_ROUTE, major=channel_id,
                                 what=f"send to #{message.channel}")
        return str(body.get("id", "")) if isinstance(body, dict) else ""

    def send(self, message: OutgoingMessage) -> str:
        return send_to_named_channel(lambda: self._send(message),
                                     lambda: self._channel_ids.pop(message.channel, None))

    def capacity(self, channel: str) -> int | None:
        channel_id = self._channel_ids.get(channel)
        if self.limiter is None or channel_id is None:
            return None
        return self.limiter.remaining(SEND_ROUTE, channel_id)

    def describe_target(self, channel: str) -> str:
        return f"#{channel} through the bot API at {redact_url(self.base_url)}"

    def close(self) -> None:
        self.http.close()
