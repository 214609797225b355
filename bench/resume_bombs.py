"""What hostile resumes cost now, against a normal resume read in the same run:
`.venv/bin/python bench/resume_bombs.py` (about a minute; no database needed).

Every file goes through the parsing sandbox exactly as an upload does (a child process with
CPU, memory and wall-clock limits). For each: wall time, the child's CPU time and peak
resident memory (its own VmHWM, or read just before it was killed), how much this (the
request's) process grew, the outcome, and each figure as a ratio to the normal resume's."""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests import bombs  # noqa: E402
from tests.documents import docx_with_text  # noqa: E402

from jobraker.resumes import limits, sandbox  # noqa: E402

MB = 1024 * 1024
LINE = "Senior backend engineer - Django, PostgreSQL, Dramatiq - led a team of five over ten years"


def cases() -> list[tuple[str, str, bytes]]:
    page = "\n".join([f"Ada Lovelace - {LINE}"] * 40)
    return [
        ("normal PDF resume (2 pages, 7 KB of text)", "pdf", bombs.pdf_pages_with_text([page, page])),
        ("normal DOCX resume (80 paragraphs)", "zip", docx_with_text(*[LINE] * 80)),
        ("PDF bomb: 50 pages share one 9 MB content stream", "pdf", bombs.pdf_shared_heavy_stream()),
        ("PDF bomb: 50 pages share one 1.9 MB content stream", "pdf", bombs.pdf_shared_heavy_stream(repeats=270_000)),
        ("DOCX bomb: document.xml inflates to 100 MB", "zip", bombs.docx_inflating_to()),
        ("DOCX bomb: same, zip headers claim 20 KB", "zip", bombs.docx_lying_about_size()),
        ("DOCX: billion-laughs entities", "zip", bombs.docx_billion_laughs()),
        ("DOCX: elements nested 20,000 deep", "zip", bombs.docx_deeply_nested()),
    ]


def measure(kind: str, data: bytes, repeats: int) -> dict:
    runs, growths = [], []
    for _ in range(repeats):
        gc.collect()
        before = psutil.Process().memory_info().rss
        runs.append(sandbox.run_child(kind, data))
        growths.append(psutil.Process().memory_info().rss - before)
    peaks = [run.peak_rss_bytes for run in runs if run.peak_rss_bytes is not None]
    return {
        "wall": statistics.median(run.wall_seconds for run in runs),
        "cpu": statistics.median(run.cpu_seconds for run in runs),
        "peak": max(peaks) if peaks else limits.MEMORY_BYTES,
        "growth": max(growths),
        "outcome": runs[-1].answer.get("reason", "read"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per file; the median wall and CPU are shown")
    repeats = parser.parse_args().repeats
    results = [(name, len(data), measure(kind, data, repeats)) for name, kind, data in cases()]
    normal = results[0][2]
    print(f"Limits: child CPU {limits.CPU_SECONDS} s, wall {limits.WALL_SECONDS:g} s, address space "
          f"{limits.MEMORY_BYTES // MB} MB; {repeats} runs per file (median wall/CPU, highest peak).")
    print("Ratios are against the normal PDF resume measured in this run.\n")
    print("| file | size | outcome | wall s | child CPU s | child peak RSS MB | request process growth MB "
          "| wall × | CPU × | peak × |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, size, m in results:
        print(f"| {name} | {size / 1024:,.1f} KB | {m['outcome']} | {m['wall']:.2f} | {m['cpu']:.2f} | "
              f"{m['peak'] / MB:.0f} | {m['growth'] / MB:.1f} | {m['wall'] / normal['wall']:.2f} | "
              f"{m['cpu'] / normal['cpu']:.2f} | {m['peak'] / normal['peak']:.2f} |")


if __name__ == "__main__":
    main()
