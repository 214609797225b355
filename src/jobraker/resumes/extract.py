"""What a resume says, from a PDF, a DOCX or plain text. The type is read from the
file's own bytes, never trusted from its name or the client's Content-Type."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MAX_RESUME_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 200_000

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"


class ResumeRejected(ValueError):
    """The file is not a resume Jobraker can read; the message says why."""

    def __init__(self, message: str, *, too_large: bool = False, unsupported: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large
        self.unsupported = unsupported


@dataclass(frozen=True)
class ExtractedResume:
    content_type: str
    text: str


def extract(data: bytes) -> ExtractedResume:
    if len(data) > MAX_RESUME_BYTES:
        raise ResumeRejected(f"resume is {len(data):,} bytes; the limit is {MAX_RESUME_BYTES:,}", too_large=True)
    if not data.strip():
        raise ResumeRejected("resume is empty")
    content_type = sniff(data)
    readers = {PDF: _pdf_text, DOCX: _docx_text, TEXT: _plain_text}
    try:
        text = readers[content_type](data)
    except ResumeRejected:
        raise
    except Exception as exc:  # a damaged file of a known type: say so, never a 500
        raise ResumeRejected(f"could not read this {content_type} file ({type(exc).__name__})") from None
    text = " ".join(text.replace("\x00", " ").split())[:MAX_TEXT_CHARS]
    if not text:
        raise ResumeRejected("no text found in the resume (a scanned PDF needs OCR, which Jobraker does not do)")
    return ExtractedResume(content_type, text)


def sniff(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return DOCX
        except zipfile.BadZipFile:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text):
        raise ResumeRejected("only PDF, DOCX or UTF-8 text resumes are accepted", unsupported=True)
    return TEXT


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages[:50])


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def _plain_text(data: bytes) -> str:
    return data.decode("utf-8")
