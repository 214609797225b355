"""Children that cannot outlive ``jobraker up``, and orphans a dead owner left behind."""

from __future__ import annotations

import ctypes
import signal
from pathlib import Path

import psutil

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
STOP_SECONDS = 10.0


def die_with_parent() -> None:
    """``preexec_fn`` for a child: Linux sends it SIGTERM when its parent dies, even by SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: the next `up` stops orphans by their PID files instead


def adopt_orphans() -> bool:
    """Make this process the one Linux hands its descendants' orphans to (a "subreaper"): a
    grandchild whose parent exits first (a Dramatiq worker process still starting when its
    main process stopped) stays ours to stop and wait for, instead of outliving us under init."""
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1) == 0
    except OSError:
        return False  # not Linux: orphans go to init as before


def stop_adopted(timeout: float = STOP_SECONDS) -> list[int]:
    """Stop and reap every child still left once the ones we started are gone: orphans adopted
    by ``adopt_orphans``. SIGTERM first, SIGKILL after ``timeout``; their PIDs are returned. Every
    child counts, so call it only in a process that has stopped all it started itself."""
    left = psutil.Process().children()
    for process in left:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(left, timeout=timeout)
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=timeout)
    return [process.pid for process in left]


def pid_in(path: Path) -> int | None:
    """The PID on the first line of a PID file, if there is one."""
    try:
        return int(path.read_text().splitlines()[0].strip())
    except (OSError, ValueError, IndexError):
        return None


def stop_orphan(pid_file: Path, program: str, signum: int = signal.SIGTERM) -> int | None:
    """Stop the process a PID file names if it is still ``program`` (a PID may have been reused);
    return its PID when one was stopped."""
    pid = pid_in(pid_file)
    if pid is None:
        return None
    try:
        process = psutil.Process(pid)
        if program not in process.name():
            return None
        process.send_signal(signum)
        try:
            process.wait(timeout=STOP_SECONDS)
        except psutil.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
    except psutil.NoSuchProcess:
        pass
    return pid
