"""Exit codes to signal names: 128+N means the process was killed by signal N."""

from __future__ import annotations

# Linux signal numbers (x86, ARM and most architectures), from signal(7). Hand-written rather
# than taken from Python's `signal` module because Sentinel may run on another OS than the
# containers it watches, and the numbering must be Linux's.
LINUX_SIGNALS: dict[int, str] = {
    1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
    7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
    13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT",
    19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU",
    25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR",
    31: "SIGSYS",
}
SIGRTMIN = 34
SIGRTMAX = 64
SIGNAL_EXIT_BASE = 128


def signal_name(exit_code: int | None) -> str | None:
    """The signal behind an exit code (137 -> SIGKILL), or None when it was a plain exit."""
    if exit_code is None or exit_code <= SIGNAL_EXIT_BASE:
        return None
    number = exit_code - SIGNAL_EXIT_BASE
    if number in LINUX_SIGNALS:
        return LINUX_SIGNALS[number]
    if 31 < number < SIGRTMIN:
        # 32 and 33 are real-time signals the kernel has but glibc keeps for itself (signal(7));
        # they have no symbolic name, yet the exit was still a kill by a signal.
        return f"SIG{number}"
    if number == SIGRTMIN:
        return "SIGRTMIN"
    if SIGRTMIN < number < SIGRTMAX:
        return f"SIGRTMIN+{number - SIGRTMIN}"
    if number == SIGRTMAX:
        return "SIGRTMAX"
    return None


def describe_exit(exit_code: int | None, oom_killed: bool = False) -> str:
    """`137 (SIGKILL, OOM-killed)`; `3`; `unknown`."""
    text = "unknown" if exit_code is None else str(exit_code)
    notes = [n for n in (signal_name(exit_code), "OOM-killed" if oom_killed else None) if n]
    return f"{text} ({', '.join(notes)})" if notes else text
