"""Exit codes to signal names (sentinel/core/signals.py)."""

from __future__ import annotations

import pytest

from sentinel.core.signals import describe_exit, signal_name

# Linux numbering, signal(7); 32 and 33 exist but have no symbolic name (glibc keeps them),
# 34..64 are named from glibc's SIGRTMIN as `kill -l` shows them.
LINUX_NAMES = {
    1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
    7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
    13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT",
    19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU",
    25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR",
    31: "SIGSYS", 32: "SIG32", 33: "SIG33", 34: "SIGRTMIN",
    **{n: f"SIGRTMIN+{n - 34}" for n in range(35, 64)},
    64: "SIGRTMAX",
}


@pytest.mark.parametrize(
    ("exit_code", "name"),
    [pytest.param(128 + n, name, id=f"{128 + n}-{name}") for n, name in LINUX_NAMES.items()],
)
def test_it_names_the_signal_behind_every_128_plus_n_exit(exit_code: int, name: str) -> None:
    assert signal_name(exit_code) == name


@pytest.mark.parametrize(
    ("exit_code", "name"),
    [
        # the famous ones, spelled out
        pytest.param(137, "SIGKILL", id="137-kill"),
        pytest.param(143, "SIGTERM", id="143-term"),
        pytest.param(130, "SIGINT", id="130-int"),
        pytest.param(139, "SIGSEGV", id="139-segv"),
        pytest.param(134, "SIGABRT", id="134-abrt"),
        pytest.param(162, "SIGRTMIN", id="162-rtmin"),
        pytest.param(163, "SIGRTMIN+1", id="163-rtmin-plus-1"),
        pytest.param(191, "SIGRTMIN+29", id="191-rtmin-plus-29"),
        pytest.param(192, "SIGRTMAX", id="192-rtmax"),
    ],
)
def test_it_names_the_well_known_kills(exit_code: int, name: str) -> None:
    assert signal_name(exit_code) == name


@pytest.mark.parametrize(
    "exit_code",
    [
        pytest.param(None, id="unknown"),
        pytest.param(0, id="success"),
        pytest.param(1, id="plain-failure"),
        pytest.param(3, id="plain-3"),
        pytest.param(127, id="command-not-found"),
        pytest.param(128, id="128-is-no-signal"),
        pytest.param(193, id="past-sigrtmax"),
        pytest.param(255, id="255"),
        pytest.param(-1, id="negative"),
    ],
)
def test_it_names_no_signal_for_a_plain_exit(exit_code: int | None) -> None:
    assert signal_name(exit_code) is None


@pytest.mark.parametrize(
    ("exit_code", "oom_killed", "text"),
    [
        # a signal kill shows the signal
        pytest.param(137, False, "137 (SIGKILL)", id="sigkill"),
        # an OOM kill shows both
        pytest.param(137, True, "137 (SIGKILL, OOM-killed)", id="sigkill-oom"),
        # a plain exit is just the code
        pytest.param(3, False, "3", id="plain"),
        pytest.param(0, False, "0", id="zero"),
        # OOM without a signal code still says OOM
        pytest.param(1, True, "1 (OOM-killed)", id="oom-plain-code"),
        # no code known
        pytest.param(None, False, "unknown", id="unknown"),
        pytest.param(None, True, "unknown (OOM-killed)", id="unknown-oom"),
    ],
)
def test_it_describes_an_exit(exit_code: int | None, oom_killed: bool, text: str) -> None:
    assert describe_exit(exit_code, oom_killed) == text
