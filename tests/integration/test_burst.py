"""Issue 3's acceptance: 40 containers killed at once on a real dockerd, through the Discord
emulator with a 5 messages per 5 s channel bucket."""

from __future__ import annotations

from tests.emulators.discord_api import DiscordEmulator
from tests.integration.conftest import HOST, MEASUREMENTS
from tests.support.scenarios import death_burst, discord_env


def test_forty_deaths_at_once_are_each_shown_once_in_few_messages_without_a_429(
        docker_host, sentinel, redis_url):
    discord = DiscordEmulator()  # its default channel bucket: 5 messages per 5 s
    try:
        sentinel.env.update(discord_env(discord))
        result = death_burst(docker_host, discord, sentinel, redis_url, HOST, count=40)
    finally:
        discord.stop()
    MEASUREMENTS.append(
        f"burst: {result.deaths} deaths -> {result.messages} messages, first shown after "
        f"{result.seconds_to_first:.2f} s, all after {result.seconds_to_last:.2f} s, "
        f"{result.status_429} x 429, {result.status_400} x 400")
    assert result.shown == {name: 1 for name in result.shown}, "every death exactly once"
    assert result.messages <= 10
    assert (result.status_429, result.status_400) == (0, 0)
