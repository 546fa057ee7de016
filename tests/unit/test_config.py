"""Settings, validated loudly (sentinel/config.py), table-driven over the environment."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sentinel.config import (
    ConfigError,
    HostConfig,
    NotifierKind,
    Settings,
    load_settings,
    redacted,
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SENTINEL_* from the outside, and no ./sentinel.toml picked up."""
    for name in list(os.environ):
        if name.startswith("SENTINEL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def setenv(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def config_error(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> str:
    setenv(monkeypatch, env)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    return str(raised.value)


# ---------------------------------------------------------------------------------------------
# invalid settings: one line naming the setting
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("env", "starts", "says"),
    [
        # the interval must be a positive number
        pytest.param({"SENTINEL_INTERVAL_S": "-1"}, "SENTINEL_INTERVAL_S: ",
                     "greater than 0 (got '-1')", id="interval-negative"),
        pytest.param({"SENTINEL_INTERVAL_S": "0"}, "SENTINEL_INTERVAL_S: ",
                     "greater than 0 (got '0')", id="interval-zero"),
        pytest.param({"SENTINEL_INTERVAL_S": "abc"}, "SENTINEL_INTERVAL_S: ",
                     "valid number", id="interval-text"),
        # hosts are name=url pairs with a Docker scheme, each name once
        pytest.param({"SENTINEL_HOSTS": "nonsense"}, "SENTINEL_HOSTS: ",
                     "expected comma-separated name=url pairs, got 'nonsense'",
                     id="hosts-nonsense"),
        pytest.param({"SENTINEL_HOSTS": "a=http://x"}, "SENTINEL_HOSTS: ",
                     "host 'a': url 'http://x' must start with unix://, tcp:// or ssh://",
                     id="hosts-http-scheme"),
        pytest.param({"SENTINEL_HOSTS": "a=unix:///x.sock,a=tcp://h:2375"}, "SENTINEL_HOSTS: ",
                     "host 'a' is named twice", id="hosts-duplicate"),
        pytest.param({"SENTINEL_HOSTS": "bad name=unix:///x.sock"}, "SENTINEL_HOSTS: ",
                     "host name 'bad name' must be letters", id="hosts-bad-name"),
        pytest.param({"SENTINEL_HOSTS": ","}, "SENTINEL_HOSTS: ",
                     "expected at least one name=url pair", id="hosts-empty"),
        # the notifier is one of four
        pytest.param({"SENTINEL_NOTIFIER": "slack"}, "SENTINEL_NOTIFIER: ",
                     "'console', 'botapi', 'discord' or 'webhook' (got 'slack')",
                     id="notifier-unknown"),
        # a chosen notifier needs its settings
        pytest.param({"SENTINEL_NOTIFIER": "botapi"},
                     "SENTINEL_NOTIFIER=botapi needs SENTINEL_BOT_API_URL", "", id="botapi-no-url"),
        pytest.param({"SENTINEL_NOTIFIER": "webhook"},
                     "SENTINEL_NOTIFIER=webhook needs SENTINEL_DISCORD_WEBHOOK_URL", "",
                     id="webhook-no-url"),
        pytest.param({"SENTINEL_DISCORD_TOKEN": "tok"},
                     "SENTINEL_DISCORD_TOKEN needs SENTINEL_DISCORD_GUILD_ID", "",
                     id="discord-no-guild"),
        # URLs have the right scheme
        pytest.param({"SENTINEL_REDIS_URL": "http://localhost:6379"}, "SENTINEL_REDIS_URL: ",
                     "is not a redis:// or amqp:// URL", id="redis-url-scheme"),
        pytest.param({"SENTINEL_BOT_API_URL": "ftp://bot"}, "SENTINEL_BOT_API_URL: ",
                     "'ftp://bot' is not an http(s):// URL", id="bot-api-url-scheme"),
        # ports are ports
        pytest.param({"SENTINEL_METRICS_PORT": "99999"}, "SENTINEL_METRICS_PORT: ",
                     "less than or equal to 65535", id="metrics-port"),
        # a named config file must exist
        pytest.param({"SENTINEL_CONFIG": "/nonexistent/sentinel.toml"},
                     "SENTINEL_CONFIG: no such file '/nonexistent/sentinel.toml'", "",
                     id="config-file-missing"),
    ],
)
def test_it_refuses_invalid_settings_in_one_line_naming_the_setting(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], starts: str, says: str) -> None:
    message = config_error(monkeypatch, env)
    assert message.startswith(starts)
    assert says in message
    assert "\n" not in message


# ---------------------------------------------------------------------------------------------
# defaults and precedence
# ---------------------------------------------------------------------------------------------

def test_it_runs_with_no_configuration_at_all() -> None:
    settings = load_settings()
    assert settings.hosts == {
        "local": HostConfig(name="local", url="unix:///var/run/docker.sock", timeout_s=10.0)}
    assert settings.interval_s == 30.0
    assert settings.notifier is None
    assert settings.effective_notifier is NotifierKind.CONSOLE
    assert settings.redis_url == "redis://localhost:6379/0"
    assert settings.effective_broker_url == "redis://localhost:6379/0"
    assert settings.alert_channel == "sentinel-alerts"
    assert settings.discord_api_base == "https://discord.com/api/v10"


def test_it_reads_hosts_interval_and_broker_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, {
        "SENTINEL_HOSTS": " local=unix:///var/run/docker.sock , edge=ssh://ops@edge.lan ",
        "SENTINEL_INTERVAL_S": "0.5",
        "SENTINEL_BROKER_URL": "amqp://guest@rabbit//",
    })
    settings = load_settings()
    assert {n: h.url for n, h in settings.hosts.items()} == {
        "local": "unix:///var/run/docker.sock", "edge": "ssh://ops@edge.lan"}
    assert settings.interval_s == 0.5
    assert settings.effective_broker_url == "amqp://guest@rabbit//"


BOT = {"SENTINEL_BOT_API_URL": "http://bot:8080/"}
TOKEN = {"SENTINEL_DISCORD_TOKEN": "tok", "SENTINEL_DISCORD_GUILD_ID": "123"}
HOOK = {"SENTINEL_DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/abc"}


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        # the bot API first
        pytest.param({**BOT, **TOKEN, **HOOK}, NotifierKind.BOTAPI, id="bot-api-first"),
        # then a Discord token
        pytest.param({**TOKEN, **HOOK}, NotifierKind.DISCORD, id="token-second"),
        # then a webhook
        pytest.param(HOOK, NotifierKind.WEBHOOK, id="webhook-third"),
        # else the console
        pytest.param({}, NotifierKind.CONSOLE, id="console-last"),
        # a chosen notifier wins over what is configured
        pytest.param({**BOT, "SENTINEL_NOTIFIER": "console"}, NotifierKind.CONSOLE,
                     id="explicit-wins"),
        pytest.param({**BOT, **HOOK, "SENTINEL_NOTIFIER": "webhook"}, NotifierKind.WEBHOOK,
                     id="explicit-webhook"),
    ],
)
def test_it_chooses_the_notifier_by_precedence(monkeypatch: pytest.MonkeyPatch,
                                               env: dict[str, str], kind: NotifierKind) -> None:
    setenv(monkeypatch, env)
    assert load_settings().effective_notifier is kind


def test_it_strips_the_trailing_slash_of_the_bot_api_url(monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, BOT)
    assert load_settings().bot_api_url == "http://bot:8080"


# ---------------------------------------------------------------------------------------------
# the TOML file
# ---------------------------------------------------------------------------------------------

TOML = """
interval_s = 5
alert_channel = "ops-alerts"

[hosts]
prod = "tcp://10.0.0.5:2376"
edge = { url = "ssh://deploy@edge", timeout_s = 3 }
"""


def test_it_reads_the_toml_file_named_by_sentinel_config(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text(TOML)
    setenv(monkeypatch, {"SENTINEL_CONFIG": str(path)})

    settings = load_settings()

    assert settings.interval_s == 5.0
    assert settings.alert_channel == "ops-alerts"
    assert settings.hosts == {
        "prod": HostConfig(name="prod", url="tcp://10.0.0.5:2376", timeout_s=10.0),
        "edge": HostConfig(name="edge", url="ssh://deploy@edge", timeout_s=3.0),
    }


def test_it_lets_the_environment_override_the_toml_file(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text(TOML)
    setenv(monkeypatch, {"SENTINEL_CONFIG": str(path), "SENTINEL_INTERVAL_S": "7",
                         "SENTINEL_HOSTS": "local=unix:///run/docker.sock"})

    settings = load_settings()

    assert settings.interval_s == 7.0
    assert list(settings.hosts) == ["local"]
    assert settings.alert_channel == "ops-alerts"  # not overridden: from the file


def test_it_picks_up_sentinel_toml_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "sentinel.toml").write_text("interval_s = 12\n")
    assert load_settings().interval_s == 12.0


@pytest.mark.parametrize(
    ("toml", "starts"),
    [
        # not TOML at all
        pytest.param("interval_s = = 3\n", "SENTINEL_CONFIG: ", id="malformed-toml"),
        # valid TOML, invalid value: named as the setting
        pytest.param("interval_s = -3\n", "SENTINEL_INTERVAL_S: ", id="bad-value-in-file"),
        pytest.param('[hosts]\nprod = "http://x"\n', "SENTINEL_HOSTS: ", id="bad-host-in-file"),
    ],
)
def test_it_refuses_a_bad_toml_file_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                toml: str, starts: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    message = config_error(monkeypatch, {"SENTINEL_CONFIG": str(path)})
    assert message.startswith(starts)
    assert "\n" not in message


# ---------------------------------------------------------------------------------------------
# secrets
# ---------------------------------------------------------------------------------------------

SECRETS = {
    "SENTINEL_BOT_API_URL": "https://bot.example",
    "SENTINEL_BOT_API_TOKEN": "bot-token-s3cret",
    "SENTINEL_DISCORD_TOKEN": "discord-token-s3cret",
    "SENTINEL_DISCORD_GUILD_ID": "123",
    "SENTINEL_DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/webhook-s3cret",
    "SENTINEL_HEARTBEAT_URL": "https://hc-ping.com/heartbeat-s3cret",
    "SENTINEL_REDIS_URL": "redis://:redis-s3cret@redis:6379/0",
    "SENTINEL_HOSTS": "prod=ssh://deploy:ssh-s3cret@prod.lan",
}


def test_it_redacts_every_secret_from_the_shown_configuration(
        monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, SECRETS)

    shown = redacted(load_settings())

    assert "s3cret" not in json.dumps(shown)
    assert shown["bot_api_token"] == "***"
    assert shown["discord_token"] == "***"
    assert shown["discord_webhook_url"] == "***"
    assert shown["heartbeat_url"] == "***"
    assert shown["redis_url"] == "redis://:***@redis:6379/0"
    assert shown["broker_url"] == "redis://:***@redis:6379/0"
    assert shown["hosts"] == {"prod": {"url": "ssh://deploy:***@prod.lan", "timeout_s": 10.0}}
    assert shown["notifier"] == "botapi"


def test_it_shows_unset_secrets_as_unset() -> None:
    shown = redacted(load_settings())
    assert (shown["bot_api_token"], shown["discord_token"]) == (None, None)
    assert shown["redis_url"] == "redis://localhost:6379/0"
    assert shown["notifier"] == "console"


def test_it_redacts_a_user_and_password_in_the_broker_url(monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, {"SENTINEL_BROKER_URL": "amqp://sentinel:amqp-s3cret@rabbit:5672//"})
    shown = redacted(load_settings())
    assert shown["broker_url"] == "amqp://sentinel:***@rabbit:5672//"


@pytest.mark.parametrize(
    ("env", "secret"),
    [
        # a bot API token beside a missing URL
        pytest.param({"SENTINEL_NOTIFIER": "botapi", "SENTINEL_BOT_API_TOKEN": "tok-s3cret"},
                     "tok-s3cret", id="bot-token-without-url"),
        # a Discord token beside a missing guild
        pytest.param({"SENTINEL_DISCORD_TOKEN": "discord-s3cret"}, "discord-s3cret",
                     id="discord-token-without-guild"),
        # a redis password in a URL with the wrong scheme
        pytest.param({"SENTINEL_REDIS_URL": "http://:redis-s3cret@redis:6379/0"}, "redis-s3cret",
                     id="redis-url-wrong-scheme"),
        # a broker password in a URL with the wrong scheme
        pytest.param({"SENTINEL_BROKER_URL": "kafka://user:broker-s3cret@k:9092"},
                     "broker-s3cret", id="broker-url-wrong-scheme"),
        # a password in a bot API URL with the wrong scheme
        pytest.param({"SENTINEL_BOT_API_URL": "ftp://bot:url-s3cret@bot"}, "url-s3cret",
                     id="bot-api-url-wrong-scheme"),
        # a password in a host URL with the wrong scheme
        pytest.param({"SENTINEL_HOSTS": "prod=http://deploy:host-s3cret@prod"}, "host-s3cret",
                     id="host-url-wrong-scheme"),
        # a password in a good host URL next to a bad entry
        pytest.param({"SENTINEL_HOSTS": "prod=tcp://deploy:host-s3cret@prod:2376,oops"},
                     "host-s3cret", id="host-url-next-to-a-bad-entry"),
    ],
)
def test_it_never_puts_a_secret_in_a_config_error(monkeypatch: pytest.MonkeyPatch,
                                                  env: dict[str, str], secret: str) -> None:
    message = config_error(monkeypatch, env)
    assert secret not in message
    assert message.startswith("SENTINEL_")


def test_it_says_where_a_redacted_password_was(monkeypatch: pytest.MonkeyPatch) -> None:
    message = config_error(monkeypatch, {"SENTINEL_REDIS_URL": "http://:pw-s3cret@redis:6379/0"})
    assert message == ("SENTINEL_REDIS_URL: 'http://:***@redis:6379/0' is not a redis:// or "
                       "amqp:// URL (got 'http://:***@redis:6379/0')")


def test_it_never_echoes_a_malformed_secret_from_the_toml_file(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "secret.toml"
    path.write_text("bot_api_token = 987654321\n")
    message = config_error(monkeypatch, {"SENTINEL_CONFIG": str(path)})
    assert message.startswith("SENTINEL_BOT_API_TOKEN: ")
    assert "987654321" not in message


def test_it_keeps_secrets_out_of_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, SECRETS)
    settings = load_settings()
    assert isinstance(settings, Settings)
    for name in ("bot-token-s3cret", "discord-token-s3cret", "webhook-s3cret"):
        assert name not in repr(settings)


def test_an_empty_variable_is_an_unset_one_as_compose_writes_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, {"SENTINEL_BOT_API_URL": "", "SENTINEL_NOTIFIER": "",
                         "SENTINEL_INTERVAL_S": ""})
    settings = load_settings()
    assert settings.bot_api_url is None and settings.interval_s == 30.0
