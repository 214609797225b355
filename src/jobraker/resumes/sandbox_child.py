"""The resume-parsing child: ``python -m jobraker.resumes.sandbox_child pdf|zip CPU_SECONDS MEMORY_BYTES``.

It limits itself before it imports any parser, reads the file from stdin and writes one JSON
object to stdout: ``{"content_type", "text"}`` or ``{"reason", "message"}``. sandbox.py starts
it, enforces the wall-clock limit and reads its answer."""

import resource
import signal
import sys

from jobraker.resumes import limits

MEMORY_EXIT = 3  # MemoryError even while reporting it
TOO_SLOW_EXIT = 4  # the CPU limit struck while reporting


class TookTooLong(BaseException):
    """Raised from the SIGXCPU handler; BaseException so no parser's ``except Exception`` eats it."""


def limit_myself(cpu_seconds: int, memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.OUTPUT_BYTES, limits.OUTPUT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXCPU, _cpu_exhausted)


def _cpu_exhausted(signum, frame):  # type: ignore[no-untyped-def]
    raise TookTooLong


def peak_rss_kb(pid: int | str = "self") -> int | None:
    """The process's own peak resident memory (VmHWM). Not ``getrusage``: its ``ru_maxrss``
    still counts the parent's memory shared until exec (posix_spawn uses vfork)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def main() -> int:
    limit_myself(int(sys.argv[2]), int(sys.argv[3]))
    import json  # noqa: PLC0415 - everything below runs under the limits

    from jobraker.resumes.readers import read  # noqa: PLC0415
    from jobraker.resumes.rejection import Reason, ResumeRejected  # noqa: PLC0415

    data = sys.stdin.buffer.read()
    try:
        content_type, text = read(sys.argv[1], data)
        answer = {"content_type": content_type, "text": text}
    except ResumeRejected as rejected:
        answer = {"reason": rejected.reason.value, "message": str(rejected)}
    except TookTooLong:
        answer = {"reason": Reason.TOO_SLOW.value, "message": "resume took too long to read"}
    except MemoryError:
        del data
        answer = {"reason": Reason.TOO_MUCH_MEMORY.value, "message": "resume needs too much memory to read"}
    answer["peak_rss_kb"] = peak_rss_kb()
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except MemoryError:
        sys.exit(MEMORY_EXIT)
    except TookTooLong:
        sys.exit(TOO_SLOW_EXIT)
