"""The parsers proper. They run only inside the sandboxed child (sandbox_child.py), under its
CPU and memory limits; each also keeps its own limits so a hostile file is refused early and
with a clear reason rather than by the backstop."""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable

from jobraker.resumes import limits
from jobraker.resumes.formats import DOCX, PDF
from jobraker.resumes.rejection import Reason, ResumeRejected
from jobraker.resumes.zipcheck import check_archive


def read(kind: str, data: bytes) -> tuple[str, str]:
    """(content type, normalised text) of a file whose first bytes said PDF (``kind="pdf"``) or zip."""
    if kind == "pdf":
        return PDF, normalise(_guarded(lambda: _pdf_text(data), PDF))
    archive = _open_docx(data)
    return DOCX, normalise(_guarded(lambda: _checked_docx_text(archive, data), DOCX))


def normalise(text: str) -> str:
    return " ".join(text.replace("\x00", " ").split())[: limits.MAX_TEXT_CHARS]


def _guarded(reader: Callable[[], str], content_type: str) -> str:
    try:
        return reader()
    except (ResumeRejected, MemoryError):
        raise
    except Exception as exc:  # a damaged file of a known type: say so, never a 500
        if _out_of_memory(exc):
            raise ResumeRejected("resume needs too much memory to read", Reason.TOO_MUCH_MEMORY) from None
        raise ResumeRejected(f"could not read this {content_type} file ({type(exc).__name__})") from None


def _out_of_memory(exc: Exception) -> bool:
    """libxml2 reports a failed allocation (the address-space limit) as a syntax error with its own code."""
    etree = sys.modules.get("lxml.etree")  # loaded only if a DOCX was being read; importing it now could fail
    return etree is not None and isinstance(exc, etree.XMLSyntaxError) and exc.code == etree.ErrorTypes.ERR_NO_MEMORY


def _open_docx(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if "word/document.xml" in archive.namelist():
            return archive
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        pass
    raise ResumeRejected("only PDF, DOCX or UTF-8 text resumes are accepted", Reason.UNSUPPORTED)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError

    with apply_configuration(
        zlib_maximum_output_length=limits.MAX_PDF_STREAM_BYTES,
        lzw_maximum_output_length=limits.MAX_PDF_STREAM_BYTES,
        run_length_maximum_output_length=limits.MAX_PDF_STREAM_BYTES,
        array_based_stream_maximum_output_length=limits.MAX_PDF_STREAM_BYTES,
        stream_parsing_work_maximum_count=limits.MAX_PDF_CONTENT_OPERATIONS,
        page_tree_maximum_entries=1_000,
        jbig2dec_binary=None,  # never run an external decoder
    ):
        try:
            return _pages_text(PdfReader(io.BytesIO(data)))
        except LimitReachedError as exc:
            raise ResumeRejected(
                f"resume too large when unpacked: one of pypdf's limits was reached ({exc})", Reason.UNPACKED_TOO_LARGE
            ) from None


def _pages_text(reader) -> str:  # type: ignore[no-untyped-def]
    """Text of the first pages, stopping when their content streams pass the budget (a page
    that reuses another's heavy stream counts it again) or the text is long enough."""
    budget, texts, chars = limits.MAX_PDF_CONTENT_BYTES, [], 0
    for page in reader.pages[: limits.MAX_PDF_PAGES]:
        contents = page.get_contents()
        budget -= len(contents.get_data()) if contents is not None else 0
        if budget < 0:
            raise ResumeRejected(
                "resume too large when unpacked: its pages' content streams decode to more than "
                f"{limits.MAX_PDF_CONTENT_BYTES // (1024 * 1024)} MB",
                Reason.UNPACKED_TOO_LARGE,
            )
        text = page.extract_text() or ""
        texts.append(text)
        chars += len(text)
        if chars >= limits.MAX_TEXT_CHARS:
            break
    return "\n".join(texts)


def _checked_docx_text(archive: zipfile.ZipFile, data: bytes) -> str:
    import docx  # its XML parser keeps resolve_entities=False; zipcheck refuses declarations anyway

    check_archive(archive)
    document = docx.Document(io.BytesIO(data))
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])
