"""Why a resume was refused: one exception, with a reason the API turns into a status and title."""

from __future__ import annotations

from enum import Enum


class Reason(str, Enum):
    TOO_LARGE = "too_large"  # the upload itself is over the limit
    UNSUPPORTED = "unsupported"  # not a PDF, DOCX or UTF-8 text
    EMPTY = "empty"  # nothing in it, or no text found
    UNREADABLE = "unreadable"  # damaged, or a structure Jobraker refuses (entity declarations)
    UNPACKED_TOO_LARGE = "unpacked_too_large"  # inflates past the limits (zip or PDF streams)
    TOO_SLOW = "too_slow"  # hit the CPU or wall-clock limit
    TOO_MUCH_MEMORY = "too_much_memory"  # hit the address-space limit
    BUSY = "busy"  # every parsing slot of this server process stayed taken; nothing wrong with the file


class ResumeRejected(ValueError):
    """The file is not a resume Jobraker can read; the message says why."""

    def __init__(self, message: str, reason: Reason = Reason.UNREADABLE) -> None:
        super().__init__(message)
        self.reason = Reason(reason)

    @property
    def too_large(self) -> bool:
        return self.reason is Reason.TOO_LARGE

    @property
    def unsupported(self) -> bool:
        return self.reason is Reason.UNSUPPORTED
