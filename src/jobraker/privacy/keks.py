"""Key-encryption keys (KEKs): numbered AES-256 keys that wrap the subjects' data keys.

A subject key is stored only wrapped by one KEK, and its row names that KEK's number. Rotating
wraps every live subject key under a new KEK and then destroys the old ones, so a wrapped key left
behind (an erased subject's old row version in a table file, the WAL or a backup) opens nothing
once the KEK that wrapped it is gone. The KEKs themselves never enter the database.

Two sources:
- a file Jobraker manages itself (``<data dir>/keks.json``, what `jobraker up` uses): rotation
  writes the new KEK into it, durably, before wrapping anything with it, and drops old ones later;
- ``JOBRAKER_KEKS`` in the environment (a secret manager's value in production): ``id:base64,...``,
  the highest id is current. Jobraker cannot write it; the operator adds and removes KEKs
  (docs/security.md has the procedure).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

KEK_FILE = "keks.json"
KEK_BYTES = 32


class KekError(RuntimeError):
    """The KEKs are missing or malformed; the message says which and never shows key material."""


@dataclass(frozen=True)
class Keks:
    current: int
    keys: dict[int, bytes]

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise KekError(f"the current KEK #{self.current} is missing")


class KekSource(Protocol):
    writable: bool

    def read(self) -> Keks: ...

    def changed(self) -> bool:
        """Cheap: whether ``read`` could now give something else (another process rotated)."""

    def add_current(self, kek_id: int, key: bytes) -> None:
        """Store a new KEK durably and make it current (writable sources only)."""

    def keep_only(self, kek_ids: set[int]) -> None:
        """Destroy every other KEK (writable sources only)."""


class FileKekSource:
    """KEKs in a JSON file, written 0600 from its first byte, replaced atomically and fsynced."""

    writable = True

    def __init__(self, path: Path, first_key: Callable[[], bytes]) -> None:
        self.path = path
        self._first_key = first_key  # KEK #1 when the file does not exist yet (see keyring_keks)
        self._seen: tuple[int, int] | None = None

    def read(self) -> Keks:
        if not self.path.exists():
            self._create()
        self._seen = self._stamp()
        document = json.loads(self.path.read_text())
        keys = {int(kek_id): _decode(text, f"KEK #{kek_id} in {self.path}") for kek_id, text in document["keks"].items()}
        return Keks(current=int(document["current"]), keys=keys)

    def changed(self) -> bool:
        return self._stamp() != self._seen

    def add_current(self, kek_id: int, key: bytes) -> None:
        keks = self.read()
        self._write(Keks(kek_id, {**keks.keys, kek_id: key}))

    def keep_only(self, kek_ids: set[int]) -> None:
        keks = self.read()
        self._write(Keks(keks.current, {i: k for i, k in keks.keys.items() if i in kek_ids | {keks.current}}))

    def _create(self) -> None:
        """Several processes may start at once: the first to link its file wins, the rest read it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._durable_temp(_encode(Keks(1, {1: self._first_key()})))
        try:
            os.link(tmp, self.path)
            _fsync_directory(self.path.parent)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()

    def _write(self, keks: Keks) -> None:
        tmp = self._durable_temp(_encode(keks))
        os.replace(tmp, self.path)
        _fsync_directory(self.path.parent)
        self._seen = None

    def _durable_temp(self, content: bytes) -> Path:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others
        try:
            os.write(descriptor, content)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        return tmp

    def _stamp(self) -> tuple[int, int] | None:
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        return status.st_ino, status.st_mtime_ns


class EnvironmentKekSource:
    """``JOBRAKER_KEKS``: read-only; the operator rotates it through the secret manager."""

    writable = False

    def __init__(self, value: str) -> None:
        self._keks = parse_keks(value)

    def read(self) -> Keks:
        return self._keks

    def changed(self) -> bool:
        return False

    def add_current(self, kek_id: int, key: bytes) -> None:
        raise KekError("JOBRAKER_KEKS is set: add the new KEK in the secret manager (docs/security.md)")

    def keep_only(self, kek_ids: set[int]) -> None:
        raise KekError("JOBRAKER_KEKS is set: remove retired KEKs in the secret manager (docs/security.md)")


def parse_keks(value: str) -> Keks:
    keys: dict[int, bytes] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        kek_id, _, text = entry.partition(":")
        if not kek_id.isdigit() or not text:
            raise KekError("JOBRAKER_KEKS: each entry is <number>:<base64 of 32 bytes>")
        keys[int(kek_id)] = _decode(text, f"JOBRAKER_KEKS: entry #{kek_id}")
    if not keys:
        raise KekError("JOBRAKER_KEKS: no KEK given")
    return Keks(current=max(keys), keys=keys)


def format_keks(keks: Keks) -> str:
    return ",".join(f"{i}:{base64.b64encode(k).decode()}" for i, k in sorted(keks.keys.items()))


def new_kek() -> bytes:
    return secrets.token_bytes(KEK_BYTES)


def _encode(keks: Keks) -> bytes:
    document = {"current": keks.current, "keks": {str(i): base64.b64encode(k).decode() for i, k in sorted(keks.keys.items())}}
    return json.dumps(document, indent=2).encode()


def _decode(text: str, what: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KekError(f"{what} is not base64") from None
    if len(key) != KEK_BYTES:
        raise KekError(f"{what} is not 32 bytes")
    return key


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
