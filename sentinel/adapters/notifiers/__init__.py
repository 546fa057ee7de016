"""Notifiers, chosen by settings (CONTRACT.md: SENTINEL_NOTIFIER and friends)."""

from __future__ import annotations

import redis

from sentinel.adapters.notifiers.base import DeliveryError, Notifier, OutgoingMessage
from sentinel.adapters.notifiers.botapi import BotApiNotifier
from sentinel.adapters.notifiers.console import ConsoleNotifier
from sentinel.adapters.notifiers.discord import DiscordNotifier
from sentinel.adapters.notifiers.webhook import WebhookNotifier
from sentinel.adapters.ratelimit import RateLimiter
from sentinel.config import NotifierKind, Settings


def _secret(value: object) -> str:
    return value.get_secret_value() if value is not None else ""  # type: ignore[attr-defined]


def build_notifier(settings: Settings, redis_client: redis.Redis | None = None) -> Notifier:
    """The configured notifier. With a Redis client, rate limits are shared by all processes."""
    limiter = RateLimiter(redis_client) if redis_client is not None else None
    timeout_s = settings.http_timeout_s
    match settings.effective_notifier:
        case NotifierKind.BOTAPI:
            assert settings.bot_api_url is not None  # guaranteed by Settings validation
            return BotApiNotifier(settings.bot_api_url, _secret(settings.bot_api_token) or None,
                                  timeout_s=timeout_s, limiter=limiter)
        case NotifierKind.DISCORD:
            assert settings.discord_guild_id is not None
            return DiscordNotifier(settings.discord_api_base, _secret(settings.discord_token),
                                   settings.discord_guild_id, timeout_s=timeout_s,
                                   limiter=limiter)
        case NotifierKind.WEBHOOK:
            return WebhookNotifier(_secret(settings.discord_webhook_url), timeout_s=timeout_s,
                                   limiter=limiter)
        case _:
            return ConsoleNotifier()


__all__ = ["DeliveryError", "Notifier", "OutgoingMessage", "build_notifier"]
