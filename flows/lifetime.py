"""No process of a run outlives it, and a signal stops the run at once.

Every child of a run (the `scrapy crawl` subprocesses, normalization's worker processes and the
temporary Prefect server) asks Linux to kill it when its parent dies (`prctl(PR_SET_PDEATHSIG,
SIGKILL)`): that holds whatever ends the main process, `kill -9` included, with no code of ours
running at the time. Caveat: the kernel sends the signal when the *thread* that started the
child ends, not the process. Crawls start in the task runner's threads and workers in the flow's
thread; both live until the children's work is done, so only the process's end fires it.

`stop_on_signals` turns SIGINT (Ctrl-C) and SIGTERM into an immediate exit with a one-line
message: no Prefect state is reported (the temporary server has often received the same Ctrl-C
and is gone, and Prefect's client would retry against it for a minute), and the kernel then
kills the children. The database needs nothing: the load is one DuckDB transaction, and a
process ending inside it leaves the file as before (tests/store/test_crash_safety.py).
"""

import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from types import FrameType, SimpleNamespace
from typing import Any

_PR_SET_PDEATHSIG = 1
_QUIET_TRACKER = "ignore:resource_tracker:UserWarning"
_libc: ctypes.CDLL | None = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # no libc to load (an unusual build): children then outlive a killed run
        _libc = None


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask the kernel to SIGKILL this process when its parent (thread) ends; no-op off Linux.

    With `parent_pid`, a parent that already ended before the request (it races the start) ends
    this process now.
    """
    if _libc is None:
        return
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


def child_preexec() -> Callable[[], None]:
    """A `preexec_fn` for `subprocess`: the child dies with this process (see the module's caveat)."""
    parent = os.getpid()
    # Runs between fork and exec: only the prctl call, nothing that allocates or imports.
    return lambda: die_with_parent(parent)


def worker_initializer(parent_pid: int) -> None:
    """Initializer of a normalization worker: die with the run (the parent process `parent_pid`)."""
    die_with_parent(parent_pid)


@contextmanager
def run_worker_pool() -> Iterator[None]:
    """Normalization's warm worker pool (`worker_pool`) for a run: its workers die with the run.

    They also ignore Ctrl-C, which a terminal sends to every process of the foreground group: the
    main process decides, and the workers die with it. They are spawned while this process ignores
    SIGINT, since an ignored signal stays ignored across exec and Python then installs no
    KeyboardInterrupt handler: a worker interrupted while it starts would print a traceback. A
    Ctrl-C in those few milliseconds of spawning is lost. Off the main thread (no signal
    handlers there) the workers are spawned as they are.
    """
    from pipeline.normalize.workers import worker_pool

    with ExitStack() as stack:
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            stack.enter_context(worker_pool(initializer=worker_initializer, initargs=(os.getpid(),)))
        finally:
            if main:
                signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
        yield


@contextmanager
def temporary_server_dies_with_us() -> Iterator[None]:
    """Start Prefect's temporary server now, as a child that dies with this process.

    Without `PREFECT_API_URL`, Prefect starts a temporary server (`SubprocessASGIServer`, a
    uvicorn subprocess) the first time a client needs one, and stops it at exit; a killed run
    would orphan it. The server is a per-port singleton, so starting it here, with the death
    signal set in the child, makes the flow use this one. Prefect spawns it with
    `subprocess.Popen`; `preexec_fn` is added to that one call. With an API URL set (a real
    server) nothing is started.
    """
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        yield
        return
    import prefect.server.api.server as server_module

    preexec = child_preexec()

    def popen(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        return subprocess.Popen(*args, preexec_fn=preexec, **kwargs)  # type: ignore[call-overload]

    real = server_module.subprocess
    server_module.subprocess = SimpleNamespace(**{**vars(subprocess), "Popen": popen})  # type: ignore[assignment]
    try:
        server_module.SubprocessASGIServer().start()
    finally:
        server_module.subprocess = real
    yield


def exit_code(signum: int) -> int:
    """The shell's exit code of a process ended by `signum`: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + signum


class SignalHandlers:
    """Signal handlers installed by `stop_on_signals`; leaving a `with` block restores the ones before."""

    def __init__(self, previous: dict[int, Any]) -> None:
        self.previous = previous

    def __enter__(self) -> "SignalHandlers":
        return self

    def __exit__(self, *exc_info: object) -> None:
        global _stop
        _stop = None
        for signum, handler in self.previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


#: The handler `stop_on_signals` installed, while its command runs.
_stop: Callable[[int, FrameType | None], None] | None = None


def reclaim_sigterm() -> None:
    """Inside a flow started by the CLI: SIGTERM stops the run at once, as SIGINT does.

    Prefect installs its own SIGTERM handler when a flow starts; it reports the flow crashed,
    waits for the running tasks (whole crawls) and only then hands the signal back. Under
    `iopdir serve` (no `stop_on_signals`) Prefect's handler stays: it is how a runner cancels.
    """
    if _stop is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)


def stop_on_signals(command: str, signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> SignalHandlers:
    """From now on, SIGINT and SIGTERM end this process at once with a one-line message.

    Call it from the main thread, and use the result in a `with` statement to restore the
    previous handlers after the command (it may run inside a test). Prefect installs its own
    SIGTERM handler when a flow starts; the refresh flow takes SIGTERM back (`reclaim_sigterm`).
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        message = f"iopdir {command}: stopped by {name}; nothing of an unfinished load was kept\n"
        # The message is the last line: other threads (a task's retry log) may still be running
        # until _exit, so they lose the terminal first and write to /dev/null from here on.
        err = sys.stderr.fileno()
        terminal = os.dup(err)
        quiet = os.open(os.devnull, os.O_WRONLY)
        for fd in {err, 1}:
            os.dup2(quiet, fd)
        os.write(terminal, message.encode())
        # os._exit, not an exception: no atexit, no state reported to a server that may be gone,
        # no joining of threads blocked on crawls. The children die with us (die_with_parent).
        os._exit(exit_code(signum))

    global _stop
    _stop = stop
    previous = {signum: signal.signal(signum, stop) for signum in signals}
    # multiprocessing's resource tracker (started with the worker pool, given our -W options)
    # outlives us by a moment and would warn about the pool's semaphores: expected after a stop.
    if _QUIET_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(_QUIET_TRACKER)
    return SignalHandlers(previous)
