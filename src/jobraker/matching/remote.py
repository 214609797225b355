"""Remote, hybrid or on-site, read from a listing's title, location *and* description, with the
words that decided it kept as evidence.

Most listings say where the work happens only in the description ("FULLY REMOTE (UK-BASED)",
"Remote: (HQ: London)", "Hybrid - 2-3 days per week in office"); the title and location rarely
do. The bare word "remote" in a description is no evidence ("remote monitoring", "remote
sensing"), so only phrases about the work count there; in a title or location it does count.
English, German and French phrases are known."""

from __future__ import annotations

import re
from dataclasses import dataclass

REMOTE, HYBRID, ONSITE, UNKNOWN = "remote", "hybrid", "onsite", ""
MODES = (REMOTE, HYBRID, ONSITE, UNKNOWN)
CONTEXT = 40  # characters kept on each side of the words that decided


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(phrases) + r")(?![\w-])", re.IGNORECASE)


# Said outright: remote with no office to attend.
FULLY_REMOTE = _words(
    r"fully[ -]remote", r"100\s?% remote", r"remote[ -]first", r"remote only", r"remote[ -]based", r"full remote",
    r"work(?:ing)? from anywhere", r"remote[ -]friendly", r"100\s?% home[ -]?office", r"vollständig remote",
    r"komplett remote", r"ortsunabhängig", r"100\s?% télétravail", r"télétravail (?:complet|total|intégral)",
    r"full télétravail",
)
# Saying that the work is not remote, which must not count as remote.
NOT_REMOTE = _words(
    r"not (?:a )?remote(?: role| position| job)?", r"no remote(?: working| work)?", r"non[ -]remote",
    r"kein(?:e)? (?:home[ -]?office|remote)", r"pas de télétravail", r"remote (?:work(?:ing)? )?(?:is )?not (?:possible|available|offered)",
)
HYBRID_WORDS = _words(
    r"hybrid(?:e)?(?: working| work| role| remote| model)?", r"hybrides arbeiten", r"\d(?:\s?-\s?\d)? days? (?:a|per|pw|p/w) week (?:in|at) (?:the |our )?(?:\w+ )?office",
    r"\d(?:\s?-\s?\d)? days? (?:in|at) (?:the |our )?(?:\w+ )?office", r"\d(?:\s?-\s?\d)? days?(?: per week| a week| pw)? on[ -]?site",
    r"split between (?:home|remote) and (?:the )?office", r"mix of (?:home|remote) and office(?: working)?",
    r"teilweise (?:home[ -]?office|remote)", r"home[ -]?office[ -]?(?:möglich|tage?|anteil|option)",
    r"télétravail partiel", r"jours? de télétravail", r"télétravail possible", r"mobiles arbeiten",
)
REMOTE_WORDS = _words(
    r"remote:", r"remote (?:role|position|job|working|work|opportunity|contract)", r"remote in(?: the)? \w+",
    r"work(?:ing)? remotely", r"based remotely", r"work(?:ing)? from home", r"wfh", r"home[ -]based",
    r"telecommut(?:e|ing)", r"telework(?:ing)?", r"home[ -]?office", r"remote arbeiten", r"télétravail",
    r"à distance", r"this is a remote position",
    # Remote set off as a heading's item: "| Remote |", "Engineer Remote 80k", "Remote (one week a month in …)"
    r"[|–(]\s*remote", r"remote\s*[|–)]", r"remote \(", r"remote (?=[£$€]?\d)",
)
ONSITE_WORDS = _words(
    r"on[ -]?site", r"in[ -]office", r"office[ -]based", r"based in (?:the|our) office", r"5 days (?:a|per) week in (?:the )?office",
    r"vor ort", r"präsenz", r"sur site", r"en présentiel", r"présentiel",
)
TITLE_REMOTE = _words(r"remote", r"home[ -]?office", r"télétravail", r"wfh", r"work(?:ing)? from home")


@dataclass(frozen=True)
class WorkMode:
    """Where the work happens, and the words that said so (``field: '…phrase…'``)."""

    mode: str
    evidence: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"mode": self.mode or "unknown", "evidence": list(self.evidence)}


def read_work_mode(title: str, location: str, description: str, flagged_remote: bool = False) -> WorkMode:
    """The listing's work mode: said-outright remote beats hybrid, hybrid beats a looser remote
    phrase (a hybrid role often mentions working from home), and either beats on-site words.
    ``flagged_remote``: the source or the poster marked the listing remote."""
    fields = {"title": title, "location": location, "description": description}
    found: dict[str, list[str]] = {mode: [] for mode in (REMOTE, HYBRID, ONSITE)}
    strong: list[str] = []
    for name, text in fields.items():
        text, denials = _without(NOT_REMOTE, text)
        found[ONSITE] += [f"{name}: {d}" for d in denials]
        strong += _evidence(name, FULLY_REMOTE, text)
        found[HYBRID] += _evidence(name, HYBRID_WORDS, text)
        found[REMOTE] += _evidence(name, TITLE_REMOTE if name != "description" else REMOTE_WORDS, text)
        found[ONSITE] += _evidence(name, ONSITE_WORDS, text)
    if flagged_remote:
        found[REMOTE].append("listing: marked remote")
    if strong:
        return WorkMode(REMOTE, tuple(strong[:3]))
    for mode in (HYBRID, REMOTE, ONSITE):
        if found[mode]:
            return WorkMode(mode, tuple(found[mode][:3]))
    return WorkMode(UNKNOWN)


def _without(pattern: re.Pattern[str], text: str) -> tuple[str, list[str]]:
    denials = [_quote(text, m) for m in pattern.finditer(text)]
    return pattern.sub(" ", text), denials


def _evidence(field_name: str, pattern: re.Pattern[str], text: str) -> list[str]:
    return [f"{field_name}: {_quote(text, m)}" for m in pattern.finditer(text)]


def _quote(text: str, match: re.Match[str]) -> str:
    start, end = max(0, match.start() - CONTEXT), min(len(text), match.end() + CONTEXT)
    return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")
