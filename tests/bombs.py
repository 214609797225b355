"""Hostile resume files, built small in memory: the decompression and parser bombs of issue 13.

Built by streaming, so making a 100 MB ``document.xml`` never holds 100 MB in the test process."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from .documents import docx_with_text, pdf_of


def pdf_shared_heavy_stream(pages: int = 50, repeats: int = 1_300_000) -> bytes:
    """About 20 KB: ``pages`` pages that all draw one Flate stream of ``repeats`` text-show
    operators (9 MB decoded); pypdf spends seconds of CPU on each page (minutes in all)."""
    content = zlib.compress(b"(a) Tj " * repeats, 9)
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    kids = b" ".join(b"%d 0 R" % (4 + page) for page in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R /Resources " + font + b" >>"] * pages,
    ]
    return pdf_of(objects)


def pdf_pages_with_text(texts: list[str]) -> bytes:
    """One page per text (its lines one under another), each with its own small content stream."""
    count = len(texts)
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources " % (3 + count + i) + font + b" >>"
             for i in range(count)]
    streams = []
    for text in texts:
        lines = b" T* ".join(b"(" + line.encode() + b") Tj" for line in text.splitlines())
        stream = b"BT /F1 11 Tf 14 TL 72 760 Td " + lines + b" ET"
        streams.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(count))
    return pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count, *pages, *streams])


PARAGRAPH = b"<w:p><w:r><w:t>Ada Lovelace</w:t></w:r></w:p>"


def docx_inflating_to(unpacked: int = 100 * 1024 * 1024) -> bytes:
    """A real DOCX whose ``document.xml`` is padded with paragraphs to ``unpacked`` bytes
    (about 300 KB packed for 100 MB)."""
    return docx_with_document_parts(_padded_document(unpacked))


def docx_lying_about_size(unpacked: int = 100 * 1024 * 1024, claimed: int = 20_000) -> bytes:
    """The same bomb, with both zip headers claiming ``document.xml`` unpacks to ``claimed`` bytes."""
    return _claim_size(docx_inflating_to(unpacked), "word/document.xml", claimed)


def docx_billion_laughs(levels: int = 10) -> bytes:
    """``document.xml`` declares nested entities that would expand to 10**levels "lol"s."""
    entities = [b'<!ENTITY lol0 "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10) for level in range(1, levels)
    ]
    head = b'<?xml version="1.0"?>\n<!DOCTYPE w:document [' + b"".join(entities) + b"]>"
    body = b"<w:p><w:r><w:t>&lol%d;</w:t></w:r></w:p>" % (levels - 1)
    return docx_with_document_parts([head + document_open() + body + document_close()])


def docx_deeply_nested(depth: int = 20_000) -> bytes:
    """``document.xml`` with paragraphs nested ``depth`` deep (no DTD; small enough to pass the ratio check)."""
    return docx_with_document_parts([document_open(), b"<w:p>" * depth, b"</w:p>" * depth, document_close()])


def document_open() -> bytes:
    template = _template_document()
    return template[: template.index(b"<w:body>") + len(b"<w:body>")]


def document_close() -> bytes:
    template = _template_document()
    return template[template.index(b"<w:sectPr"):]


def _template_document() -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx_with_text("Ada Lovelace"))) as archive:
        return archive.read("word/document.xml")


def _padded_document(unpacked: int):  # type: ignore[no-untyped-def]
    yield document_open()
    chunk = PARAGRAPH * (1024 * 1024 // len(PARAGRAPH))
    for _ in range(unpacked // len(chunk)):
        yield chunk
    yield document_close()


def docx_with_document_parts(parts) -> bytes:  # type: ignore[no-untyped-def]
    """A copy of a real DOCX with ``document.xml`` replaced by the concatenated ``parts``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_with_text("Ada Lovelace"))) as source, zipfile.ZipFile(out, "w", compresslevel=9) as target:
        for member in source.infolist():
            if member.filename != "word/document.xml":
                target.writestr(member, source.read(member), compress_type=zipfile.ZIP_DEFLATED)
                continue
            info = zipfile.ZipInfo("word/document.xml", member.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w") as stream:
                for part in parts:
                    stream.write(part)
    return out.getvalue()


def _claim_size(data: bytes, name: str, claimed: int) -> bytes:
    """Rewrite the uncompressed-size field of ``name`` in its local and central headers."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        member, central = archive.getinfo(name), archive.start_dir
    struct.pack_into("<I", patched, member.header_offset + 22, claimed)  # local file header
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", patched, central + 24, claimed)  # central directory entry
    return bytes(patched)
