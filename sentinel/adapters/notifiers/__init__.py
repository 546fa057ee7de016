"""Notifiers, chosen by settings (CONTRACT.md: SENTINEL_NOTIFIER and friends)."""

from __future__ import annotations

from sentinel.adapters.notifiers.base import DeliveryError, Notifier, OutgoingMessage
from sentinel.adapters.notifiers.botapi import BotApiNotifier
from sentinel.adapters.notifiers.console import ConsoleNotifier
from sentinel.config import ConfigError, NotifierKind, Settings


def build_notifier(settings: Settings) -> Notifier:
    kind = settings.effective_notifier
    if kind is NotifierKind.CONSOLE:
        return ConsoleNotifier()
    if kind is NotifierKind.BOTAPI:
        assert settings.bot_api_url is not None  # guaranteed by Settings validation
        token = settings.bot_api_token.get_secret_value() if settings.bot_api_token else None
        return BotApiNotifier(settings.bot_api_url, token, timeout_s=settings.http_timeout_s)
    raise ConfigError(f"SENTINEL_NOTIFIER: {kind.value} is not available in this version yet "
                      "(use botapi or console)")


__all__ = ["DeliveryError", "Notifier", "OutgoingMessage", "build_notifier"]
