"""One owner per data folder: ``jobraker up`` holds an exclusive ``fcntl`` lock on
``<data_dir>/up.lock`` (which names its PID) for as long as it runs.

The kernel drops the lock when the owner dies, however it dies, so a lock that can be
taken means whatever a previous owner left running is an orphan and may be stopped.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from jobraker.config import ConfigError

LOCK_FILE = "up.lock"


class DataFolderLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir.resolve() / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise a one-line ConfigError naming the PID that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(
                f"`jobraker up` (PID {holder_pid(self.path) or 'unknown'}) is already running on "
                f"data folder {self.path.parent}; stop it first or choose another JOBRAKER_DATA_DIR"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def holder_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def is_owned(data_dir: Path) -> bool:
    """Whether a live `jobraker up` holds this data folder (without disturbing it)."""
    path = data_dir.resolve() / LOCK_FILE
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # a shared lock we took is dropped here
    return False
