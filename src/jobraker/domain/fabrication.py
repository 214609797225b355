"""The fabrication guard for cover letters: a deterministic check, no model involved.

A letter written by a language model may claim what the candidate never said: an employer
they did not work for, a title they did not hold, a degree, a certification, a skill, a
number of years. ``check_letter`` extracts every such claim from the letter and looks for it
in the candidate's own data (profile and resume text). Anything not found is *invented*, and
the letter is refused, naming what was invented.

The extraction is deliberately strict — a letter that merely mentions a skill the candidate
does not list is refused too — because a false refusal costs a letter, while a false pass
sends an invented claim to an employer in the candidate's name. The employer and the job
title being applied to may be named (the letter is addressed to them), never other ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

KINDS = ("employer", "title", "degree", "certification", "skill", "years")

# Skills recognised anywhere in a letter, whether or not it says "experience with". Lower case;
# matched on word boundaries. Words that are also plain English (go, rest, excel, swift, spring…)
# are left out: they would refuse honest letters. Extend freely: a skill missing here is still caught when the
# letter claims it in one of CLAIM_PHRASES.
SKILLS = frozenset("""
python java javascript typescript golang rust ruby php perl scala kotlin objective-c c++ c# .net matlab
julia haskell elixir erlang clojure lua bash powershell sql nosql graphql html css sass
django flask fastapi rails laravel node.js nodejs react angular vue svelte next.js jquery
postgresql postgres mysql sqlite mongodb redis elasticsearch cassandra dynamodb kafka rabbitmq celery dramatiq
aws azure gcp docker kubernetes terraform ansible puppet helm openshift linux unix
git jenkins circleci github gitlab ci/cd devops sre microservices grpc soap
pandas numpy scipy pytorch tensorflow keras scikit-learn spark hadoop airflow dbt tableau looker
nlp statistics
figma photoshop illustrator indesign autocad solidworks revit
salesforce sap hubspot jira confluence scrum kanban prince2
accounting bookkeeping payroll auditing forecasting budgeting negotiation recruitment copywriting seo sem
nursing phlebotomy pharmacology teaching tutoring welding plumbing carpentry forklift
""".replace("\n", " ").split(" ")) - {""} | {
    "machine learning", "deep learning", "computer vision", "data science", "data engineering", "power bi",
    "google cloud", "six sigma", "project management", "product management", "customer service", "people management",
}
MULTIWORD_SKILLS = sorted((s for s in SKILLS if " " in s), key=len, reverse=True)

TITLE_WORDS = (
    "engineer", "developer", "programmer", "architect", "manager", "lead", "director", "analyst", "scientist",
    "designer", "consultant", "administrator", "specialist", "officer", "coordinator", "intern", "head", "cto", "ceo",
    "vp", "accountant", "nurse", "teacher", "technician", "assistant", "executive", "researcher", "writer",
)
SENIORITY = r"(?:(?:senior|junior|lead|principal|staff|chief|head|associate|graduate)\s+)?"
TITLE = re.compile(
    rf"\b(?:as|was|am|been|a|an|the)\s+({SENIORITY}(?:[a-z][a-z+#./-]*\s+){{0,3}}(?:{'|'.join(TITLE_WORDS)}))\b",
    re.IGNORECASE,
)
# "worked at X", "most recently at X", "joined X": X is an employer (capitalised words; dots only
# inside a name, so "… at Acme. As a …" stops at the full stop).
NAME = r"[A-Z][\w&'-]*(?:\.[\w&'-]+)*(?:\s+(?:&\s+)?[A-Z][\w&'-]*(?:\.[\w&'-]+)*)*"
EMPLOYER = re.compile(rf"\b(?:at|for|with|by|joined|from)\s+({NAME})")
DEGREE = re.compile(
    r"\b((?:bachelor|master|doctor)(?:'s)?(?:\s+of\s+[a-z]+)?(?:\s+degree)?(?:\s+in\s+[a-z]+(?:\s+[a-z]+)?)?"
    r"|(?:bsc|msc|ba|ma|meng|beng|phd|mba|b\.sc|m\.sc|ph\.d)\b(?:\s+in\s+[a-z]+(?:\s+[a-z]+)?)?)",
    re.IGNORECASE,
)
CERTIFICATION = re.compile(
    r"\b((?:[A-Z][\w+-]*\s+){0,4}(?i:certifi)(?:ed|cation|cate)(?:\s+(?:[A-Z][\w+-]*|in|as)){0,5})"
    r"|\b(PMP|CISSP|CISA|CISM|CKA|CKAD|CCNA|CCNP|CPA|ACCA|CFA|ITIL|TOGAF|PRINCE2|OSCP|CEH)\b",
)
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "a decade": 10, "two decades": 20}
YEARS = re.compile(rf"\b(\d{{1,2}}|{'|'.join(sorted(NUMBERS, key=len, reverse=True))})\+?\s+(?:full\s+)?years?\b", re.IGNORECASE)
# "experience with X, Y and Z", "skilled in X": every item of the list is a claimed skill.
CLAIM_PHRASES = re.compile(
    r"\b(?:experience (?:with|in)|expertise in|proficient (?:with|in)|skilled in|knowledge of|fluent in|"
    r"expert in|background in|specialis(?:e|ing|ed) in|speciali(?:ze|zing|zed) in)\s+([^.;:!?\n]{1,200})",
    re.IGNORECASE,
)
LIST_SPLIT = re.compile(r",|\band\b|\bor\b|/|\bas well as\b", re.IGNORECASE)
FILLER = re.compile(r"^(?:the|a|an|both|modern|strong|solid|extensive|deep|hands-on|production|building|using)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    kind: str  # one of KINDS
    text: str


@dataclass(frozen=True)
class Verdict:
    invented: tuple[Claim, ...] = ()
    claims: tuple[Claim, ...] = field(default=(), compare=False)

    @property
    def passed(self) -> bool:
        return not self.invented

    def refusal(self) -> str:
        """What was invented, named: for the candidate (and the timeline), never a log."""
        if self.passed:
            return ""
        named = "; ".join(f"{c.kind} {c.text!r}" for c in self.invented)
        return f"The letter was not used: it claims what is not in your profile or resume: {named}."


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w+#./&'-]+", " ", text.casefold()).split())


def contains(corpus: str, phrase: str) -> bool:
    """Whether the normalised phrase occurs in the normalised corpus on word boundaries."""
    needle = normalise(phrase)
    return bool(needle) and re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", corpus) is not None


def extract_claims(letter: str) -> list[Claim]:
    claims: list[Claim] = []
    for match in EMPLOYER.finditer(letter):
        claims.append(Claim("employer", match.group(1).strip(" .,'")))
    claims += [Claim("title", m.group(1).strip()) for m in TITLE.finditer(letter)]
    claims += [Claim("degree", m.group(1).strip()) for m in DEGREE.finditer(letter)]
    claims += [Claim("certification", (m.group(1) or m.group(2)).strip()) for m in CERTIFICATION.finditer(letter)]
    claims += [Claim("years", m.group(1).lower()) for m in YEARS.finditer(letter)]
    claims += [Claim("skill", s) for s in _skills(letter)]
    return list(dict.fromkeys(claims))


def _skills(letter: str) -> list[str]:
    text = normalise(letter)
    found = [s for s in MULTIWORD_SKILLS if contains(text, s)]
    for s in MULTIWORD_SKILLS:  # so "machine learning" does not also count as "learning"
        text = text.replace(s, " ")
    for word in text.split():
        skill = word if word in SKILLS else word.rstrip(".")  # a full stop after it, not ".net"'s own dot
        if skill in SKILLS and skill not in found:
            found.append(skill)
    for match in CLAIM_PHRASES.finditer(letter):
        for item in LIST_SPLIT.split(match.group(1)):
            item = FILLER.sub("", item.strip(" .")).strip()
            if item and len(item.split()) <= 3:
                found.append(item)
    return [f if f in SKILLS else f.rstrip(".") for f in found]


def check_letter(letter: str, candidate_texts: list[str], addressed_to: Iterable[str] = ()) -> Verdict:
    """Refuse the letter if any claim is not in the candidate's own data (``candidate_texts``:
    headline, skills, resume text…). ``addressed_to``: the employer and job title applied to,
    which the letter may name (as whom it addresses, not as the candidate's past)."""
    corpus = normalise(" \n ".join(candidate_texts))
    target = normalise(" \n ".join(addressed_to))
    claims = extract_claims(letter)
    invented = tuple(c for c in claims if not _supported(c, corpus, target))
    return Verdict(invented=invented, claims=tuple(claims))


def _supported(claim: Claim, corpus: str, target: str) -> bool:
    if claim.kind == "years":
        return _years_supported(claim.text, corpus)
    if claim.kind in ("employer", "title") and contains(target, claim.text):
        return True
    if claim.kind in ("title", "degree"):  # "a senior Python developer", "MSc in Physics": each word in the candidate's data
        return contains(corpus, claim.text) or _all_words_supported(claim.text, corpus)
    return contains(corpus, claim.text)


def _years_supported(number: str, corpus: str) -> bool:
    """The candidate's data states that many years (in figures or words), or more."""
    claimed = NUMBERS.get(number, int(number) if number.isdigit() else 0)
    stated = [NUMBERS.get(m.group(1).lower(), int(m.group(1)) if m.group(1).isdigit() else 0) for m in YEARS.finditer(corpus)]
    return any(claimed <= years for years in stated)


STOP_WORDS = frozenset({"a", "an", "the", "as", "was", "am", "been", "of", "in", "degree", "'s", "s"})


def _all_words_supported(phrase: str, corpus: str) -> bool:
    words = [w for w in normalise(phrase.replace("'s", " ")).split() if w not in STOP_WORDS]
    return bool(words) and all(contains(corpus, w) for w in words)
