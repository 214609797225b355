"""When two listings are one real job: the same opening reached through Adzuna and the
employer's own board, or posted twice. Pure rules, measured in ``bench/duplicates_eval.py``.

A listing's fingerprint is its company, title and place normalised (legal suffixes, seniority
abbreviations, punctuation and case folded; the place reduced to its first part, the town) and
the set of its description's word 3-shingles. Two listings are the same job when the company
keys are equal, the places agree (equal towns, or one side remote or unknown), the titles
agree (token Jaccard ≥ ``TITLE_AGREES``), and the descriptions overlap enough
(``similarity ≥ SAME_JOB``); the same company and title in two towns are two openings.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

# 0.5 at first; 0.6 since the first evaluation run linked an internship to a new-grad role and
# two different engineer roles at one company (half their title words shared).
TITLE_AGREES = 0.6
SAME_JOB = 0.5
SHINGLE = 3
# Aggregators link to their own page first; employers' boards link to the form itself.
EMPLOYER_BOARDS = ("greenhouse", "lever", "ashby")

_LEGAL = {"ltd", "limited", "inc", "incorporated", "llc", "llp", "plc", "gmbh", "ag", "sa", "sas", "bv", "nv",
          "corp", "corporation", "co", "company", "group", "holdings", "the", "uk"}
_ABBREVIATIONS = {"sr": "senior", "snr": "senior", "jr": "junior", "jnr": "junior", "eng": "engineer",
                  "engr": "engineer", "dev": "developer", "mgr": "manager", "mngr": "manager", "swe": "software engineer",
                  "assoc": "associate", "asst": "assistant", "admin": "administrator", "ii": "2", "iii": "3"}
_NOISE = {"m", "f", "d", "w", "x", "h", "remote", "hybrid", "onsite", "on", "site", "uk", "us", "eu", "fulltime",
          "full", "time", "permanent", "contract", "sandbox"}
_WORD = re.compile(r"[a-z0-9+#]+")


@dataclass(frozen=True)
class Fingerprint:
    company: str
    title: frozenset[str]
    town: str
    shingles: frozenset[int]


def words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _WORD.findall(folded)


def company_key(company: str) -> str:
    return " ".join(w for w in words(company) if w not in _LEGAL)


def title_tokens(title: str) -> frozenset[str]:
    expanded = " ".join(_ABBREVIATIONS.get(w, w) for w in words(title))
    return frozenset(w for w in expanded.split() if w not in _NOISE)


def town_key(location: str) -> str:
    first = location.split(",")[0].split(" - ")[0]
    key = " ".join(words(first))
    return "" if key in ("remote", "anywhere", "") else key


def shingles(description: str) -> frozenset[int]:
    tokens = words(description)
    if len(tokens) < SHINGLE:
        return frozenset({zlib.crc32(" ".join(tokens).encode())} if tokens else ())
    return frozenset(zlib.crc32(" ".join(tokens[i:i + SHINGLE]).encode()) for i in range(len(tokens) - SHINGLE + 1))


def fingerprint(company: str, title: str, location: str, description: str) -> Fingerprint:
    return Fingerprint(company_key(company), title_tokens(title), town_key(location), shingles(description))


def jaccard(a: frozenset[object], b: frozenset[object]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def containment(a: frozenset[object], b: frozenset[object]) -> float:
    """How much of the shorter text the longer one holds: one source often cuts the description
    (Adzuna sends a snippet) or wraps it in its own boilerplate."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """0 when they cannot be one job; else how alike title and description are (0–1)."""
    if not a.company or a.company != b.company:
        return 0.0
    if a.town and b.town and a.town != b.town:
        return 0.0
    title = jaccard(a.title, b.title)
    if title < TITLE_AGREES:
        return 0.0
    return 0.4 * title + 0.6 * containment(a.shingles, b.shingles)


def same_job(a: Fingerprint, b: Fingerprint) -> bool:
    return similarity(a, b) >= SAME_JOB
