"""What a resume says, from a PDF, a DOCX or plain text. The type is read from the file's own
bytes, never trusted from its name or the client's Content-Type. PDF and DOCX are parsed in a
sandboxed child process (sandbox.py); this process only looks at the first bytes."""

from __future__ import annotations

from dataclasses import dataclass

from jobraker.resumes import sandbox
from jobraker.resumes.formats import DOCX, PDF, TEXT
from jobraker.resumes.limits import MAX_RESUME_BYTES, MAX_TEXT_CHARS
from jobraker.resumes.readers import normalise
from jobraker.resumes.rejection import Reason, ResumeRejected

__all__ = ["DOCX", "MAX_RESUME_BYTES", "MAX_TEXT_CHARS", "PDF", "TEXT", "ExtractedResume", "Reason", "ResumeRejected", "extract"]

UNSUPPORTED = "only PDF, DOCX or UTF-8 text resumes are accepted"


@dataclass(frozen=True)
class ExtractedResume:
    content_type: str
    text: str


def extract(data: bytes) -> ExtractedResume:
    if len(data) > MAX_RESUME_BYTES:
        raise ResumeRejected(f"resume is {len(data):,} bytes; the limit is {MAX_RESUME_BYTES:,}", Reason.TOO_LARGE)
    if not data.strip():
        raise ResumeRejected("resume is empty", Reason.EMPTY)
    if data.startswith(b"%PDF-"):
        content_type, text = sandbox.parse("pdf", data)
    elif data.startswith(b"PK\x03\x04"):
        content_type, text = sandbox.parse("zip", data)
    else:
        content_type, text = TEXT, _plain_text(data)
    text = normalise(text)  # the child normalised it too; this side does not trust it to
    if not text:
        raise ResumeRejected("no text found in the resume (a scanned PDF needs OCR, which Jobraker does not do)", Reason.EMPTY)
    return ExtractedResume(content_type, text)


def _plain_text(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ResumeRejected(UNSUPPORTED, Reason.UNSUPPORTED) from None
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text):
        raise ResumeRejected(UNSUPPORTED, Reason.UNSUPPORTED)
    return text
