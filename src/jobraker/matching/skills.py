"""Skills as a recruiter reads them: "maths" is "mathematics", "RGN" is a "registered general
nurse", "k8s" is "Kubernetes". A candidate's skill meets a job when one of its names appears
in the job's title or description as a whole word or phrase; a skill whose names do not
appear can still meet the job by meaning (its embedding against the job's), which is
weaker evidence and counts for less (see ``SkillEvidence``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

# Each group is one skill under its common names; the first is the name shown. Kept to
# abbreviations and spellings that job adverts really use interchangeably, across fields.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    # teaching and science
    ("mathematics", "maths", "math"),
    ("statistics", "stats", "statistical"),
    ("qualified teacher status", "qts"),
    ("early career teacher", "ect", "nqt", "newly qualified teacher"),
    ("gcse", "key stage 4", "ks4"),
    ("a level", "a-level", "a levels", "a-levels"),
    # health and care
    ("registered general nurse", "rgn", "registered nurse", "adult nurse", "staff nurse", "rn"),
    ("registered mental health nurse", "rmn", "mental health nurse"),
    ("nursing and midwifery council", "nmc", "nmc pin"),
    ("healthcare assistant", "hca", "health care assistant", "care assistant", "carer", "support worker"),
    ("cardiopulmonary resuscitation", "cpr", "basic life support", "bls"),
    ("care certificate",),
    # logistics and trades
    ("hgv class 1", "class 1", "cat c+e", "c+e", "category c+e", "c+e licence", "lgv class 1", "hgv1"),
    ("hgv class 2", "class 2", "cat c", "lgv class 2", "hgv2"),
    ("driver certificate of professional competence", "driver cpc", "cpc", "cpc card"),
    ("tachograph", "tacho", "digi card", "digital tachograph", "tacho card"),
    ("forklift", "flt", "counterbalance", "reach truck"),
    ("programmable logic controller", "plc", "plcs"),
    ("18th edition", "bs 7671", "17th edition"),
    ("nvq level 3", "nvq 3", "level 3 nvq"),
    # finance and office
    ("chartered professional accountant", "cpa"),
    ("association of chartered certified accountants", "acca"),
    ("value added tax", "vat"),
    ("goods and services tax", "gst", "tps"),
    ("microsoft excel", "excel", "ms excel"),
    ("data entry", "data input", "keying", "saisie de données"),
    ("gestion de patrimoine", "wealth management", "patrimoine"),
    ("assurance-vie", "assurance vie", "life insurance"),
    # software
    ("javascript", "js", "ecmascript"),
    ("typescript", "ts"),
    ("react", "react.js", "reactjs"),
    ("node.js", "node", "nodejs"),
    ("vue", "vue.js", "vuejs"),
    ("angular", "angularjs"),
    ("postgresql", "postgres", "psql"),
    ("kubernetes", "k8s", "eks", "gke", "aks"),
    ("amazon web services", "aws"),
    ("google cloud", "gcp", "google cloud platform"),
    ("microsoft azure", "azure"),
    # job-title words adverts use interchangeably
    ("developer", "engineer", "programmer", "entwickler", "développeur"),
    ("backend", "back-end", "back end", "server-side"),
    ("frontend", "front-end", "front end"),
    ("full stack", "full-stack", "fullstack"),
    ("site reliability engineering", "sre", "site reliability engineer", "site reliability"),
    ("continuous integration", "ci/cd", "ci", "continuous delivery", "cicd"),
    (".net", "dotnet", ".net core", "asp.net", "asp.net core"),
    ("c#", "csharp", "c sharp"),
    ("c++", "cpp", "c++17", "c++11"),
    ("golang", "go"),
    ("python", "python3"),
    ("machine learning", "ml"),
    ("artificial intelligence", "ai"),
    ("natural language processing", "nlp"),
    ("user experience", "ux", "ux design"),
    ("user interface", "ui", "ui design"),
    ("search engine optimisation", "seo", "search engine optimization"),
    ("single sign-on", "sso"),
    ("identity and access management", "iam", "identity governance", "iga"),
    ("security assertion markup language", "saml"),
    ("a/b testing", "ab testing", "a/b tests", "experimentation"),
    ("scikit-learn", "sklearn"),
    ("structured query language", "sql"),
)

_GROUP_OF: dict[str, tuple[str, ...]] = {name: group for group in SYNONYM_GROUPS for name in group}


def normalise(skill: str) -> str:
    """Lower case, inner spaces collapsed, outer punctuation dropped (but "c++", ".net", "c#" kept)."""
    return " ".join(skill.lower().split()).strip(" ,;:!?()[]\"'")


def names_of(skill: str) -> tuple[str, ...]:
    """Every name the skill goes by (itself first)."""
    key = normalise(skill)
    group = _GROUP_OF.get(key, ())
    return (key, *(name for name in group if name != key))


def canonical(skill: str) -> str:
    key = normalise(skill)
    group = _GROUP_OF.get(key)
    return group[0] if group else key


@lru_cache(maxsize=4096)
def _pattern(name: str) -> re.Pattern[str]:
    # Whole words: "go" must not match "good", nor "ai" "said"; "c++" and ".net" keep their symbols.
    return re.compile(rf"(?<![\w+#.]){re.escape(name)}(?![\w+#])")


# Short names that are also ordinary words or letters ("go live", "ts", "ai" in French): matched
# only as adverts write the skill, in this case.
CASED = {"go": "Go", "ts": "TS", "ci": "CI", "rn": "RN", "ai": "AI", "ui": "UI", "ml": "ML", "tps": "TPS"}


def mentions(text: str, skill: str) -> bool:
    lowered = text.lower()
    for name in names_of(skill):
        if name in CASED:
            if _pattern(CASED[name]).search(text):
                return True
        elif _pattern(name).search(lowered):
            return True
    return False


@dataclass(frozen=True)
class SkillEvidence:
    """How well a job shows the candidate's skills: ``named`` skills appear by one of their
    names, ``similar`` only by meaning; ``coverage`` is 0–1 (a named skill counts 1, a similar
    one ``SIMILAR_CREDIT``)."""

    named: tuple[str, ...]
    similar: tuple[str, ...]
    missing: tuple[str, ...]
    coverage: float


SIMILAR_CREDIT = 0.5


def evidence(skills: Iterable[str], text: str, similar: Iterable[str] = ()) -> SkillEvidence:
    """``similar``: skills that an embedding comparison found close to the job (see scoring)."""
    skills = [s for s in skills if s.strip()]
    named = tuple(s for s in skills if mentions(text, s))
    close = set(similar)
    similar_only = tuple(s for s in skills if s not in named and s in close)
    missing = tuple(s for s in skills if s not in named and s not in close)
    coverage = (len(named) + SIMILAR_CREDIT * len(similar_only)) / len(skills) if skills else 0.0
    return SkillEvidence(named, similar_only, missing, coverage)


# Words of a title that say the level (seniority's business) or nothing at all.
GENERIC_TITLE_WORDS = frozenset({"senior", "junior", "lead", "graduate", "principal", "trainee", "and", "of", "the", "en", "de",
                      "a", "in", "for", "h/f", "m/w/d", "m/f/d"})


def title_evidence(headline: str, keywords: Sequence[str], title: str) -> float:
    """How much of the title the candidate wants is the job's title: the share of the headline's
    words in it (weight 0.7) and the best share of a wished-for keyword's (0.3: one keyword such
    as "java" alone must not make "Java Barista" a Java developer's title). Each word is found
    under its common names ("maths" finds "Mathematics", "engineer" finds "Developer")."""

    def share(phrase: str) -> float | None:
        words = [w for w in re.findall(r"[\w+#./]+", phrase.lower()) if w not in GENERIC_TITLE_WORDS]
        if not words:
            return None
        return sum(1 for w in words if mentions(title, w) or _stem_in(w, title)) / len(words)

    head = share(headline)
    wished = max((v for v in (share(k) for k in keywords) if v is not None), default=None)
    if head is None or wished is None:
        return head or wished or 0.0
    return 0.7 * head + 0.3 * wished


def _stem_in(word: str, text: str) -> bool:
    # "nurses"/"nurse", "teaching"/"teacher": the same first letters of a long enough word.
    stem = word[:-1] if word.endswith("s") and len(word) > 4 else word
    return len(stem) >= 5 and re.search(rf"\b{re.escape(stem[:max(5, len(stem) - 2)])}", text.lower()) is not None
