"""A DOCX is a zip: refuse one that unpacks past the limits before python-docx opens it.

Each member is checked twice: by what its header declares (size, ratio, the total) and by
what it actually inflates to. The second read ignores the declared size, so a header that
lies about it cannot let a 100 MB ``document.xml`` through; it stops one byte past the cap.
XML parts are scanned for DOCTYPE and entity declarations, which no Word file needs."""

from __future__ import annotations

import copy
import zipfile

from jobraker.resumes import limits
from jobraker.resumes.rejection import Reason, ResumeRejected

CHUNK = 64 * 1024
DECLARATIONS = tuple(marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
LONGEST_DECLARATION = max(len(marker) for marker in DECLARATIONS)


def check_archive(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > limits.MAX_MEMBERS:
        raise _too_large(f"it holds {len(members):,} files; the limit is {limits.MAX_MEMBERS:,}")
    _check_declared(members)
    unpacked = 0
    for member in members:
        unpacked += _check_actual(archive, member)
        if unpacked > limits.MAX_UNPACKED_BYTES:
            raise _too_large(f"its files unpack to more than {_mb(limits.MAX_UNPACKED_BYTES)}")


def _check_declared(members: list[zipfile.ZipInfo]) -> None:
    for member in members:
        if member.file_size > limits.MAX_MEMBER_BYTES:
            raise _too_large(f"{member.filename!r} declares {_mb(member.file_size)}; the limit is {_mb(limits.MAX_MEMBER_BYTES)}")
        if member.file_size > limits.RATIO_FLOOR_BYTES and member.file_size > limits.MAX_RATIO * max(member.compress_size, 1):
            raise _too_large(f"{member.filename!r} is compressed more than {limits.MAX_RATIO}:1")
    declared = sum(member.file_size for member in members)
    if declared > limits.MAX_UNPACKED_BYTES:
        raise _too_large(f"its files declare {_mb(declared)}; the limit is {_mb(limits.MAX_UNPACKED_BYTES)}")


def _check_actual(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """Inflate ``member`` (discarding the bytes) up to one past its cap and return its real size."""
    cap = limits.MAX_MEMBER_BYTES
    probe = copy.copy(member)
    probe.file_size = cap + 1  # zipfile stops at file_size; ours is the cap, not the header's claim
    size, tail, is_xml = 0, b"", None
    with archive.open(probe) as stream:
        while chunk := stream.read(CHUNK):
            if is_xml is None:
                is_xml = _looks_like_xml(chunk)
                cap = limits.MAX_XML_MEMBER_BYTES if is_xml else cap
            size += len(chunk)
            if size > cap:
                raise _too_large(f"{member.filename!r} unpacks to more than {_mb(cap)}")
            if is_xml:
                window = tail + chunk
                if any(marker in window for marker in DECLARATIONS):
                    raise ResumeRejected(f"{member.filename!r} declares XML entities or a DOCTYPE, which are refused")
                tail = window[-LONGEST_DECLARATION:]
    if size != member.file_size:
        raise ResumeRejected(f"the resume's zip headers do not match its contents ({member.filename!r})")
    return size


def _looks_like_xml(head: bytes) -> bool:
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return stripped.startswith(b"<")


def _too_large(why: str) -> ResumeRejected:
    return ResumeRejected(f"resume too large when unpacked: {why}", Reason.UNPACKED_TOO_LARGE)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
