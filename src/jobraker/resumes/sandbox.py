"""Run the resume parsers in a child process that cannot hurt the server.

The child (sandbox_child.py) limits its own CPU time, address space and output size before it
imports a parser; this side kills it after ``WALL_SECONDS`` and always reaps it. The file goes
in and the answer comes out through anonymous in-memory files (memfd), so nothing touches the
disk and no pipe can fill up. The child is started with ``posix_spawn`` (no ``preexec_fn``,
which is unsafe in gunicorn's threaded workers) and waited for with ``wait4`` on its own pid,
which gives its exact CPU time and never reaps another thread's child. Its answer is checked
before it is believed: a parser the file managed to subvert must not choose our response."""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import structlog

import jobraker
from jobraker.resumes import limits
from jobraker.resumes.formats import DOCX, PDF
from jobraker.resumes.rejection import Reason, ResumeRejected
from jobraker.resumes.sandbox_child import MEMORY_EXIT, TOO_SLOW_EXIT, peak_rss_kb

log = structlog.get_logger(__name__)

TOO_SLOW = "resume took too long to read"
_slots = threading.BoundedSemaphore(limits.PARALLEL_CHILDREN)


@dataclass(frozen=True)
class ChildRun:
    """What the child answered and what it cost."""

    answer: dict
    wall_seconds: float
    cpu_seconds: float
    peak_rss_bytes: int | None  # None: killed before it could say; at most limits.MEMORY_BYTES


def parse(kind: str, data: bytes) -> tuple[str, str]:
    """(content type, text) of a PDF (``kind="pdf"``) or zip file, or ResumeRejected."""
    if not _slots.acquire(timeout=limits.WAIT_FOR_A_SLOT_SECONDS):
        raise ResumeRejected("the server is reading other resumes; try again in a few seconds", Reason.BUSY)
    try:
        run = run_child(kind, data)
    finally:
        _slots.release()
    answer = run.answer
    log.info(  # what it cost, never what it said
        "resume_parsed", kind=kind, outcome=answer.get("reason", "read"), wall_ms=round(run.wall_seconds * 1000),
        cpu_ms=round(run.cpu_seconds * 1000),
        peak_rss_mb=None if run.peak_rss_bytes is None else round(run.peak_rss_bytes / 2**20, 1),
    )
    if "reason" in answer:
        raise ResumeRejected(answer["message"], Reason(answer["reason"]))
    return answer["content_type"], answer["text"]


def run_child(
    kind: str,
    data: bytes,
    *,
    cpu_seconds: int = limits.CPU_SECONDS,
    memory_bytes: int = limits.MEMORY_BYTES,
    wall_seconds: float = limits.WALL_SECONDS,
) -> ChildRun:
    started = time.monotonic()
    with _memfd("resume-in", data) as stdin, _memfd("resume-out") as stdout:
        pid = _spawn([kind, str(cpu_seconds), str(memory_bytes)], stdin, stdout)
        status, usage, peak_at_kill = _wait(pid, started + wall_seconds)
        answer = _answer(status, peak_at_kill is not None, stdout)
    peak_kb = answer.pop("peak_rss_kb", None) or (peak_at_kill or None)
    return ChildRun(answer, time.monotonic() - started, usage.ru_utime + usage.ru_stime, peak_kb * 1024 if peak_kb else None)


def _spawn(arguments: list[str], stdin: int, stdout: int) -> int:
    argv = [sys.executable, "-P", "-s", "-B", "-m", "jobraker.resumes.sandbox_child", *arguments]
    return os.posix_spawn(
        sys.executable, argv, child_environment(),
        file_actions=[
            (os.POSIX_SPAWN_DUP2, stdin, 0),
            (os.POSIX_SPAWN_DUP2, stdout, 1),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ],
    )


def child_environment() -> dict[str, str]:
    """A bare environment: the child needs to find jobraker and nothing else (no secrets)."""
    return {"PATH": os.defpath, "LC_ALL": "C.UTF-8", "PYTHONPATH": str(Path(jobraker.__file__).parent.parent)}


def _wait(pid: int, deadline: float) -> tuple[int, os.struct_rusage, int | None]:  # type: ignore[name-defined]
    """Wait for the child until ``deadline``, then kill it; reap it in every case. The last
    item is the child's peak memory in KB if it had to be killed (0 if unknown), else None."""
    reaped = None
    try:
        reaped = _reap_before(pid, deadline)
    finally:
        if reaped is None:  # past the deadline, or this thread is being interrupted
            peak = peak_rss_kb(pid) or 0
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            reaped = (status, usage, peak)
    return reaped


def _reap_before(pid: int, deadline: float) -> tuple[int, os.struct_rusage, None] | None:  # type: ignore[name-defined]
    """Reap the child if it ends before ``deadline``; None if it is still running then."""
    try:
        pidfd = os.pidfd_open(pid)  # readable when the child ends
    except OSError:  # an old kernel or a seccomp profile without pidfd_open: poll instead
        pidfd = None
    try:
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                return status, usage, None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if pidfd is None:
                time.sleep(min(left, 0.01))
            else:
                poller = select.poll()
                poller.register(pidfd, select.POLLIN)
                poller.poll(left * 1000)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _answer(status: int, killed: bool, stdout: int) -> dict:
    if killed:
        return {"reason": Reason.TOO_SLOW.value, "message": TOO_SLOW}
    if os.WIFSIGNALED(status):
        # SIGXCPU/SIGKILL: the CPU limit (the child's handler did not get to run); SIGXFSZ: too much output.
        if os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
            return {"reason": Reason.TOO_SLOW.value, "message": TOO_SLOW}
        return {"reason": Reason.UNREADABLE.value, "message": "could not read the resume"}
    code = os.WEXITSTATUS(status)
    if code == MEMORY_EXIT:
        return {"reason": Reason.TOO_MUCH_MEMORY.value, "message": "resume needs too much memory to read"}
    if code == TOO_SLOW_EXIT:
        return {"reason": Reason.TOO_SLOW.value, "message": TOO_SLOW}
    try:
        answer = json.loads(os.pread(stdout, limits.OUTPUT_BYTES, 0))
    except ValueError:
        answer = None
    if code == 0 and _well_formed(answer):
        return answer
    return {"reason": Reason.UNREADABLE.value, "message": "could not read the resume"}


CHILD_REASONS = {Reason.EMPTY, Reason.UNSUPPORTED, Reason.UNREADABLE, Reason.UNPACKED_TOO_LARGE, Reason.TOO_SLOW,
                 Reason.TOO_MUCH_MEMORY}


def _well_formed(answer: object) -> bool:
    if not isinstance(answer, dict) or not isinstance(answer.get("peak_rss_kb", 0), (int, type(None))):
        return False
    if "reason" in answer:
        return answer["reason"] in {reason.value for reason in CHILD_REASONS} and isinstance(answer.get("message"), str)
    return answer.get("content_type") in (PDF, DOCX) and isinstance(answer.get("text"), str)


class _memfd:
    """An anonymous in-memory file, optionally holding ``data``, closed on exit."""

    def __init__(self, name: str, data: bytes = b"") -> None:
        self.fd = os.memfd_create(name)  # close-on-exec; posix_spawn's dup2 makes the copy inheritable
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        os.lseek(self.fd, 0, os.SEEK_SET)

    def __enter__(self) -> int:
        return self.fd

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)
