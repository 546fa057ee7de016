"""Value types for what Sentinel sees (observations) and remembers (container state)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ContainerStatus(StrEnum):
    """A container's status as Sentinel reports it (CONTRACT.md, `sentinel status --json`)."""

    RUNNING = "running"
    DEAD = "dead"
    UNHEALTHY = "unhealthy"
    RESTARTING = "restarting"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"  # stopped on purpose (docker stop / kill, compose stop / down)
    UNKNOWN = "unknown"

    @property
    def is_down(self) -> bool:
        """Down means a person should hear about it: it is not doing its job."""
        return self in _DOWN


_DOWN = {ContainerStatus.DEAD, ContainerStatus.RESTARTING, ContainerStatus.UNHEALTHY}


class HostStatus(StrEnum):
    UP = "up"
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Observation(Frozen):
    """One container as seen at one moment (`observed_at`), normalized from Docker's answers."""

    host: str
    key: str  # identity within the host: Compose project/service/number, else the name
    name: str  # Docker's name, without the leading slash
    container_id: str
    image: str = ""
    docker_state: str  # Docker's own word: running, exited, dead, paused, restarting, created
    exit_code: int | None = None
    oom_killed: bool = False
    restart_count: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    health: str | None = None  # healthy, unhealthy, starting, or None without a healthcheck
    health_output: str | None = None  # the last probe's output
    oneshot: bool = False  # label sentinel.oneshot=true: exit 0 is success
    channel: str | None = None  # label sentinel.channel
    compose_project: str | None = None
    compose_service: str | None = None
    # What it depends on: Compose services of its project (com.docker.compose.depends_on)
    # and names or services from sentinel.depends_on.
    depends_on: list[str] = Field(default_factory=list)
    # Docker's own restart policy (HostConfig.RestartPolicy): Sentinel never competes with it.
    docker_restart_policy: str = ""
    docker_restart_max: int = 0
    restart_label: str | None = None  # sentinel.restart: never, on-failure, always
    # Set by the event watcher: someone asked Docker to stop or kill it, at this moment.
    stop_requested_at: datetime | None = None
    observed_at: datetime


class HostSnapshot(Frozen):
    """Every watched container of one host, from one listing: what is absent is gone."""

    host: str
    observed_at: datetime
    containers: list[Observation] = Field(default_factory=list)
    # False when some container could not be read: then absence does not mean removal.
    complete: bool = True
    # `docker_payloads.listing_digest` of the listing this came from (full listings only).
    digest: str | None = None
    inspect_s: float | None = None  # how long the inspection took (metrics)

    def short_repr(self) -> str:
        """What Flower shows as the task's arguments (the full snapshot is unreadable)."""
        names = ", ".join(o.name for o in self.containers[:5])
        more = f" +{len(self.containers) - 5}" if len(self.containers) > 5 else ""
        kind = "listing" if self.complete else "event"
        return (f"({self.host!r}, <{kind} of {len(self.containers)} container(s) at "
                f"{self.observed_at:%H:%M:%S}: {names}{more}>)")


class ContainerState(Frozen):
    """What Sentinel remembers of one container between observations (stored in Redis)."""

    key: str
    name: str
    container_id: str
    image: str = ""
    status: ContainerStatus
    since: datetime  # when it entered `status` (for a death: Docker's finish time)
    exit_code: int | None = None
    oom_killed: bool = False
    restart_count: int = 0
    started_at: datetime | None = None
    observed_at: datetime  # the observation this state came from; older ones never win
    channel: str | None = None
    compose_project: str | None = None
    compose_service: str | None = None
    depends_on: list[str] = Field(default_factory=list)
    stop_requested_at: datetime | None = None  # the last stop/kill request seen
    deaths: list[datetime] = Field(default_factory=list)  # recent ones, for loop detection
    looping_since: datetime | None = None  # in a restart loop / flapping since
    restart_attempts: list[datetime] = Field(default_factory=list)  # Sentinel's, this outage
    gave_up: bool = False  # Sentinel's restart budget is spent until it runs again
    down_since: datetime | None = None  # the open outage began (kept while Sentinel restarts)

    @property
    def needs_review(self) -> bool:
        """Time alone can change what is said of it (a loop ending, a restart proving
        itself): its host's next listing is decided in full even if unchanged."""
        return bool(self.looping_since or self.restart_attempts)
