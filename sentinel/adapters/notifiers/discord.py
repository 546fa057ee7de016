"""Discord's REST API with a bot token: the alert channel is found (or created) by name in the
guild, and every message carries a nonce with `enforce_nonce`, so a retry never posts twice.

https://discord.com/developers/docs/resources/guild#get-guild-channels,
https://discord.com/developers/docs/resources/guild#create-guild-channel,
https://discord.com/developers/docs/resources/message#create-message
The bot needs View Channel and Send Messages (and Manage Channels to create the channel).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from sentinel.adapters.notifiers.base import DeliveryError, OutgoingMessage
from sentinel.adapters.notifiers.http import ChatHttp, send_to_named_channel
from sentinel.adapters.ratelimit import RateLimiter
from sentinel.config import redact_url

TOKEN_SETTING = "SENTINEL_DISCORD_TOKEN"
GUILD_TEXT = 0  # channel type of a text channel
UNKNOWN_CHANNEL = 10003  # Discord's JSON error code
SEND_ROUTE = "POST /channels/{channel.id}/messages"
CHANNELS_ROUTE = "/guilds/{guild.id}/channels"
# Discord asks for this form of User-Agent (https://discord.com/developers/docs/reference#user-agent).
USER_AGENT = "DiscordBot (https://github.com/sentinel-watchdog/sentinel, 0.1.0)"


def channel_name(name: str) -> str:
    """Discord stores text channel names lower case, with dashes for spaces."""
    return re.sub(r"\s+", "-", name.strip().lower())


class DiscordNotifier:
    name = "discord"

    def __init__(self, api_base: str, token: str, guild_id: str, *, timeout_s: float = 10.0,
                 limiter: RateLimiter | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.api_base = api_base.rstrip("/")
        self.guild_id = guild_id
        self.limiter = limiter
        client = httpx.Client(base_url=self.api_base, timeout=timeout_s, transport=transport,
                              headers={"Authorization": f"Bot {token}",
                                       "User-Agent": USER_AGENT})
        self.http = ChatHttp(client, limiter, TOKEN_SETTING)
        self._channel_ids: dict[str, str] = {}

    def channel_id(self, name: str) -> str:
        wanted = channel_name(name)
        if wanted in self._channel_ids:
            return self._channel_ids[wanted]
        path = f"/guilds/{self.guild_id}/channels"
        channels = self.http.request("GET", path, route=f"GET {CHANNELS_ROUTE}",
                                     major=self.guild_id, what="list channels of the guild")
        found: Any = None
        if isinstance(channels, list):
            found = next((c for c in channels if isinstance(c, dict)
                          and c.get("name") == wanted and c.get("type") == GUILD_TEXT), None)
        if found is None:
            found = self.http.request("POST", path, json={"name": wanted, "type": GUILD_TEXT},
                                      route=f"POST {CHANNELS_ROUTE}", major=self.guild_id,
                                      what=f"create channel #{wanted}")
        if not isinstance(found, dict) or not found.get("id"):
            raise DeliveryError(f"channel #{wanted}: Discord's answer has no channel id")
        self._channel_ids[wanted] = str(found["id"])
        return self._channel_ids[wanted]

    def _send(self, message: OutgoingMessage) -> str:
        channel_id = self.channel_id(message.channel)
        body = self.http.request("POST", f"/channels/{channel_id}/messages",
                                 json={**message.payload(), "enforce_nonce": True},
                                 route=SEND_ROUTE, major=channel_id,
                                 what=f"send to #{channel_name(message.channel)}")
        return str(body.get("id", "")) if isinstance(body, dict) else ""

    def send(self, message: OutgoingMessage) -> str:
        return send_to_named_channel(
            lambda: self._send(message),
            lambda: self._channel_ids.pop(channel_name(message.channel), None))

    def capacity(self, channel: str) -> int | None:
        channel_id = self._channel_ids.get(channel_name(channel))
        if self.limiter is None or channel_id is None:
            return None
        return self.limiter.remaining(SEND_ROUTE, channel_id)

    def describe_target(self, channel: str) -> str:
        return (f"#{channel_name(channel)} in guild {self.guild_id} through "
                f"{redact_url(self.api_base)}")

    def close(self) -> None:
        self.http.close()
