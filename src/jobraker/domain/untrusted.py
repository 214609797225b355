"""Text written by other people (listings: titles, companies, descriptions) on its way into a
prompt. It is fenced: put between markers that say it is data, with every character that could
forge a marker replaced inside it, control characters and line breaks flattened, and cut to a
length. The instructions around a fence say that nothing inside one is an instruction; the
fence makes sure the data cannot end the fence early and continue as instructions.
"""

from __future__ import annotations

import unicodedata

OPEN = "⟦"  # U+27E6, never left inside fenced data
CLOSE = "⟧"  # U+27E7
# Every bracket-like character a model could read as a marker is made plain inside the data.
NEUTRALISED = str.maketrans({OPEN: "(", CLOSE: ")", "⟨": "(", "⟩": ")", "«": '"', "»": '"', "`": "'"})
ELLIPSIS = "…"


def plain(text: object, limit: int) -> str:
    """One line of data: no control or format characters, no marker characters, at most
    ``limit`` characters (cut ones end with an ellipsis)."""
    raw = str(text or "")
    head = raw[: limit * 4 + 16]  # flattening only shortens text; no need to read a 50 kB description
    flat = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in head
        if unicodedata.category(ch) != "Cf"  # zero-width and bidi controls hide or reorder text
    )
    flat = " ".join(flat.translate(NEUTRALISED).split())
    if len(flat) <= limit and len(head) == len(raw):
        return flat
    return flat[: max(0, limit - 1)].rstrip() + ELLIPSIS


def fence(label: str, text: object, limit: int) -> str:
    """``⟦label: text⟧`` with ``text`` made :func:`plain` and cut to ``limit`` characters."""
    return f"{OPEN}{label}: {plain(text, limit)}{CLOSE}"


def outside_fences(prompt: str) -> str:
    """The prompt with every fenced block replaced by ``⟦⟧``: what is left is what the
    prompt asks (used by tests to show listing text never changes it)."""
    out, depth, start = [], 0, 0
    for index, ch in enumerate(prompt):
        if ch == OPEN:
            if depth == 0:
                out.append(prompt[start:index])
            depth += 1
        elif ch == CLOSE and depth:
            depth -= 1
            if depth == 0:
                out.append(OPEN + CLOSE)
                start = index + 1
    out.append(prompt[start:] if depth == 0 else "")
    return "".join(out)
