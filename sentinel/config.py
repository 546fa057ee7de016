"""One settings object, from the environment and an optional TOML file, validated loudly.

Lives in the library (not in `workers/`, where DESIGN.md first put it) because the tasks need it
too, and dependencies point one way: workers -> tasks -> sentinel.
"""

from __future__ import annotations

import os
import re
from dataclasses import fields
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from sentinel.core.judgement import Judgement, OnStop

ENV_PREFIX = "SENTINEL_"
DEFAULT_CONFIG_FILE = "sentinel.toml"
DEFAULT_HOSTS = "local=unix:///var/run/docker.sock"
_HOST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DOCKER_SCHEMES = ("unix", "tcp", "ssh")


class NotifierKind(StrEnum):
    CONSOLE = "console"
    BOTAPI = "botapi"
    DISCORD = "discord"
    WEBHOOK = "webhook"


class HostConfig(BaseModel):
    name: str
    url: str
    timeout_s: float = Field(default=10.0, gt=0)
    # tcp:// with TLS (TOML only): the CA that signed the engine's certificate, and the
    # client certificate and key the engine asks for (`dockerd --tlsverify`).
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_verify: bool = True

    @model_validator(mode="after")
    def _tls_complete(self) -> HostConfig:
        files = {"tls_ca": self.tls_ca, "tls_cert": self.tls_cert, "tls_key": self.tls_key}
        given = {k: v for k, v in files.items() if v is not None}
        if given and not self.url.startswith("tcp://"):
            raise ValueError(f"host {self.name!r}: TLS settings need a tcp:// url")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError(f"host {self.name!r}: tls_cert and tls_key go together")
        for key, path in given.items():
            if not path.is_file():
                raise ValueError(f"host {self.name!r}: {key} {str(path)!r} is not a file")
        return self


def _parse_hosts(value: Any) -> dict[str, HostConfig]:
    """`name=url,name=url` (environment) or a TOML table `{name = "url"}` / `{name = {url=..}}`."""
    if isinstance(value, dict) and all(isinstance(v, HostConfig) for v in value.values()):
        return value
    if isinstance(value, str):
        items: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in value.split(","))):
            name, sep, url = part.partition("=")
            if not sep or not name.strip() or not url.strip():
                raise ValueError(f"expected comma-separated name=url pairs, got {part!r}")
            if name.strip() in items:
                raise ValueError(f"host {name.strip()!r} is named twice")
            items[name.strip()] = url.strip()
        value = items
    if not isinstance(value, dict) or not value:
        raise ValueError("expected at least one name=url pair")
    hosts: dict[str, HostConfig] = {}
    for name, spec in value.items():
        fields = {"url": spec} if isinstance(spec, str) else dict(spec)
        if not _HOST_NAME.match(name):
            raise ValueError(f"host name {name!r} must be letters, digits, '.', '_' or '-'")
        url = str(fields.get("url", ""))
        scheme = urlsplit(url).scheme
        if scheme not in _DOCKER_SCHEMES:
            raise ValueError(f"host {name!r}: url {url!r} must start with unix://, tcp:// or ssh://")
        hosts[name] = HostConfig.model_validate({**fields, "name": name})
    return hosts


class Settings(BaseSettings):
    """Every setting of CONTRACT.md, plus Sentinel's own extensions (documented in README)."""

    # An empty variable is an unset one (Compose writes `${X:-}` as ""), never a bad value.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore",
                                      validate_default=True, env_ignore_empty=True)

    redis_url: str = "redis://localhost:6379/0"
    broker_url: str | None = None
    hosts: Annotated[dict[str, HostConfig], NoDecode] = Field(
        default_factory=lambda: _parse_hosts(DEFAULT_HOSTS))
    interval_s: float = Field(default=30.0, gt=0)
    notifier: NotifierKind | None = None
    alert_channel: str = Field(default="sentinel-alerts", min_length=1, max_length=100)
    bot_api_url: str | None = None
    bot_api_token: SecretStr | None = None
    discord_token: SecretStr | None = None
    discord_guild_id: str | None = None
    discord_api_base: str = "https://discord.com/api/v10"
    discord_webhook_url: SecretStr | None = None
    heartbeat_url: SecretStr | None = None
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Extensions.
    http_timeout_s: float = Field(default=10.0, gt=0)  # each call to a notifier
    outbox_grace_s: float = Field(default=30.0, gt=0)  # undelivered this long -> re-enqueued
    unreachable_after: int = Field(default=2, ge=1)  # failed inspections in a row -> alert
    beat_lease_s: float = Field(default=10.0, gt=0)  # a dead beat's standby takes over after
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"  # auto: JSON unless on a terminal
    # Flower events for inspect_host too: one task per host per interval, the bulk of the
    # traffic; off, Flower still shows every task that decides or delivers something.
    inspect_task_events: bool = False
    # Judgement (issue 5): see sentinel/core/judgement.py and the README.
    incident_window_s: float = Field(default=3.0, ge=0)
    on_stop: OnStop = OnStop.NOTICE
    loop_deaths: int = Field(default=3, ge=2)
    loop_window_s: float = Field(default=600.0, gt=0)
    loop_quiet_s: float = Field(default=120.0, gt=0)
    restart_default: Literal["never", "on-failure", "always"] = "never"
    restart_max_attempts: int = Field(default=3, ge=1)
    restart_window_s: float = Field(default=600.0, gt=0)
    restart_backoff_s: float = Field(default=2.0, gt=0)
    restart_probation_s: float = Field(default=10.0, ge=0)
    repeat_interval_s: float = Field(default=4 * 3600.0, ge=0)

    def judgement(self) -> Judgement:
        return Judgement(**{f.name: getattr(self, f.name) for f in fields(Judgement)})

    @field_validator("hosts", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> dict[str, HostConfig]:
        return _parse_hosts(value)

    @field_validator("redis_url", "broker_url")
    @classmethod
    def _broker_scheme(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in (
            "redis", "rediss", "unix", "amqp", "amqps", "pyamqp", "sentinel"
        ):
            raise ValueError(f"{redact_url(value)!r} is not a redis:// or amqp:// URL")
        return value

    @field_validator("bot_api_url", "discord_api_base")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError(f"{value!r} is not an http(s):// URL")
        return value.rstrip("/") if value else value

    @field_validator("discord_webhook_url")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("http", "https") or "/webhooks/" not in parts.path + "/":
            # The URL holds the webhook's token: the message never repeats it.
            raise ValueError("is not a Discord webhook URL (https://.../api/webhooks/<id>/<token>)")
        return value

    @model_validator(mode="after")
    def _notifier_complete(self) -> Settings:
        needs = {
            NotifierKind.BOTAPI: ("bot_api_url", self.bot_api_url),
            NotifierKind.DISCORD: ("discord_token", self.discord_token),
            NotifierKind.WEBHOOK: ("discord_webhook_url", self.discord_webhook_url),
        }
        kind = self.notifier
        if kind in needs and needs[kind][1] is None:
            raise ValueError(f"{ENV_PREFIX}NOTIFIER={kind.value} needs "
                             f"{ENV_PREFIX}{needs[kind][0].upper()}")
        if self.effective_notifier is NotifierKind.DISCORD and not self.discord_guild_id:
            raise ValueError(f"{ENV_PREFIX}DISCORD_TOKEN needs {ENV_PREFIX}DISCORD_GUILD_ID")
        return self

    @property
    def effective_notifier(self) -> NotifierKind:
        """CONTRACT.md: with none chosen, the first configured of bot API, token, webhook."""
        if self.notifier is not None:
            return self.notifier
        if self.bot_api_url:
            return NotifierKind.BOTAPI
        if self.discord_token:
            return NotifierKind.DISCORD
        if self.discord_webhook_url:
            return NotifierKind.WEBHOOK
        return NotifierKind.CONSOLE

    @property
    def effective_broker_url(self) -> str:
        return self.broker_url or self.redis_url

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = config_file_path()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


class ConfigError(Exception):
    """Invalid configuration: one line naming the setting and the problem."""


def config_file_path() -> Path | None:
    explicit = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{ENV_PREFIX}CONFIG: no such file {explicit!r}")
        return path
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def config_version() -> tuple[str, int] | None:
    """What identifies the configuration file's content now (path, mtime): a change means
    re-read it. The environment cannot change under a running process; the file can."""
    try:
        path = config_file_path()
    except ConfigError:
        return None
    if path is None:
        return None
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError:
        return None


def load_settings(**overrides: Any) -> Settings:
    """Read and validate; raise ConfigError with one line on the first problem found."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"] if p != "__root__")
        message = error["msg"].removeprefix("Value error, ")
        if not where:  # a rule across settings: its message names them
            raise ConfigError(_scrub(message)) from None
        setting = f"{ENV_PREFIX}{where.split('.')[0].upper()}"
        got = error.get("input")
        shown = f" (got {got!r})" if isinstance(got, int | float | str) else ""
        if where in _SECRET_FIELDS or repr(got) in message:
            shown = ""
        # A URL's password (redis://:secret@..., tcp://user:secret@...) never reaches the message.
        raise ConfigError(_scrub(f"{setting}: {message}{shown}")) from None
    except (OSError, ValueError) as exc:  # an unreadable or malformed TOML file
        raise ConfigError(f"{ENV_PREFIX}CONFIG: {exc}") from None


_SECRET_FIELDS = {"bot_api_token", "discord_token", "discord_webhook_url", "heartbeat_url"}
_URL_PASSWORD = re.compile(r"(//[^/@\s:'\"]*:)[^/@\s'\"]+@")


def _scrub(text: str) -> str:
    """Replace every password written inside a URL in `text` with ***."""
    return _URL_PASSWORD.sub(r"\1***@", text)


def redact_url(url: str) -> str:
    """Hide a password in a URL (redis://:secret@host -> redis://:***@host)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def _shown_host(host: dict[str, Any]) -> dict[str, Any]:
    """A host as `sentinel config` shows it: its URL without a password, TLS files by path."""
    shown: dict[str, Any] = {"url": redact_url(host["url"]), "timeout_s": host["timeout_s"]}
    if host["tls_ca"] or host["tls_cert"]:
        shown.update({k: str(host[k]) for k in ("tls_ca", "tls_cert", "tls_key") if host[k]})
        shown["tls_verify"] = host["tls_verify"]
    return shown


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective configuration as `sentinel config` shows it: no secret in it."""
    shown: dict[str, Any] = {}
    for name, value in settings.model_dump().items():
        if name in _SECRET_FIELDS:
            value = "***" if value is not None else None
        elif name in ("redis_url", "broker_url", "bot_api_url", "discord_api_base") and value:
            value = redact_url(value)
        elif name == "hosts":
            value = {h: _shown_host(c) for h, c in value.items()}
        shown[name] = value
    shown["notifier"] = settings.effective_notifier.value
    shown["broker_url"] = redact_url(settings.effective_broker_url)
    return shown
