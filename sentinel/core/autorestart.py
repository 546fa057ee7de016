"""Auto-recovery within a budget: whether Sentinel should start a dead container, and when.

Never when Docker's own restart policy will do it, never for a container stopped on purpose
or a finished job, at most `restart_max_attempts` in `restart_window_s`, with exponential
backoff; then one [GAVE UP] and nothing more until it is seen running again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sentinel.core.judgement import Judgement
from sentinel.core.model import ContainerState, Observation


@dataclass(frozen=True)
class RestartOrder:
    key: str
    container_id: str
    attempt: int  # 1-based
    max_attempts: int
    delay_s: float


def docker_will_restart(obs: Observation) -> bool:
    """Docker's restart policy takes this one: competing with it would double the restarts."""
    policy = obs.docker_restart_policy
    if policy in ("always", "unless-stopped"):
        return True
    if policy == "on-failure":
        failed = obs.exit_code not in (0, None)
        return failed and (obs.docker_restart_max == 0 or
                           obs.restart_count < obs.docker_restart_max)
    return False


def wanted_policy(obs: Observation, judgement: Judgement) -> str:
    return obs.restart_label or judgement.restart_default


def recent_attempts(state: ContainerState, now: datetime, judgement: Judgement
                    ) -> list[datetime]:
    horizon = now - timedelta(seconds=judgement.restart_window_s)
    return [t for t in state.restart_attempts if t > horizon]


def plan(state: ContainerState, obs: Observation, judgement: Judgement
         ) -> tuple[RestartOrder | None, bool, str]:
    """For a container just seen dead: (an order, whether the budget is now spent, why)."""
    policy = wanted_policy(obs, judgement)
    if policy == "never":
        return None, False, "auto-restart off"
    if policy == "on-failure" and obs.exit_code == 0:
        return None, False, "exited 0 and its policy is on-failure"
    if docker_will_restart(obs):
        return None, False, f"Docker's restart policy ({obs.docker_restart_policy}) restarts it"
    if state.gave_up:
        return None, False, "restart budget spent: waiting until it runs again"
    done = len(recent_attempts(state, obs.observed_at, judgement))
    if done >= judgement.restart_max_attempts:
        return None, True, (f"{done} restart attempts in {judgement.restart_window_s:g} s: "
                            "gave up")
    delay = judgement.restart_backoff_s * 2 ** done
    return (RestartOrder(state.key, state.container_id, done + 1,
                         judgement.restart_max_attempts, delay),
            False, f"restart attempt {done + 1}/{judgement.restart_max_attempts} in {delay:g} s")
