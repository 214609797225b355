"""What an employer's mail says about an application, by rules: confirmation, rejection,
interview invitation (with its date when the mail gives one), offer, or other. English, German
and French. Pure Python, no I/O: the same text always gets the same class.

The rules are phrases employers' applicant-tracking systems use. They are checked in an order
that settles the usual overlaps: a rejection often thanks for the application ("thank you for
applying… unfortunately"), and says it cannot *offer* the position, so rejection is tried
first; an interview invitation often confirms receipt too, so interview comes before
confirmation. A mail none of them fits is "other" (kept on the timeline, moving nothing)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

REJECTION = (
    # English
    r"unfortunately", r"regret to inform", r"not (?:be )?(?:moving|proceeding|progressing) (?:forward )?with your",
    r"decided to (?:move|proceed|go) forward with other", r"will not be (?:moving|taking) (?:forward|your application)",
    r"(?:position|role) has (?:now )?been filled", r"not (?:been )?(?:selected|shortlisted)",
    r"pursue other candidates", r"unable to offer you",
    # German
    r"leider", r"absage", r"nicht (?:weiter )?berücksichtigen", r"nicht in die engere (?:wahl|auswahl)",
    r"(?:für|zugunsten) (?:eine[nr]? )?(?:andere[nr]?|anderen) (?:bewerber|kandidat)",
    # French
    r"malheureusement", r"regret(?:ons|tons)? de vous informer", r"ne pas donner suite",
    r"ne (?:pouvons|pourrons) pas donner (?:une suite )?(?:favorable|suite)", r"pas été retenue?",
    r"autre candidat",
)
OFFER = (
    r"pleased to offer you", r"(?:job|employment) offer", r"offer letter", r"extend (?:you )?an offer",
    r"offer of employment",
    r"arbeitsvertrag", r"(?:vertrags|stellen)angebot", r"(?:freuen uns|möchten)[^.]{0,60}anzubieten",
    r"offre d'emploi", r"proposition d'embauche", r"promesse d'embauche", r"(?:heureux|ravis) de vous proposer le poste",
)
_MEETING = r"(?:\w+ ){0,3}(?:interview|call|conversation|meeting|chat|video call)"
INTERVIEW = (
    r"invit\w* you (?:to|for) (?:a|an|the|our) " + _MEETING, r"schedule (?:a|an|your|the) " + _MEETING,
    r"interview (?:is )?(?:scheduled|confirmed|booked) for", r"would like to (?:meet|speak with|talk to|talk with) you",
    r"(?:laden|möchten) (?:wir )?(?:sie|dich) (?:gerne |herzlich )?(?:zu einem|zum|ein) (?:\w+ )?(?:vorstellungs|bewerbungs|kennenlern)?gespräch",
    r"einladung zu(?:m| einem) (?:\w+ )?(?:vorstellungs|bewerbungs|kennenlern)?gespräch",
    r"(?:vorstellungs|bewerbungs)gespräch (?:ist )?(?:am|für)",
    r"(?:inviter|convier|convoquer|rencontrer)[^.]{0,40}(?:un|votre) (?:\w+ )?entretien",
    r"convocation (?:à|pour) (?:un|votre) entretien", r"entretien (?:est )?(?:prévu|fixé|programmé) (?:le|pour)",
)
# "If your profile fits, we will invite you to an interview" confirms receipt: it invites no one.
CONDITIONAL = re.compile(r"\b(?:if|should|falls|wenn|sofern|sollte\w*|si|s'il)\b")
CONFIRMATION = (
    r"(?:we have|we've) received your application", r"thank you for (?:your application|applying)",
    r"application (?:has been )?received", r"thanks for applying",
    r"bewerbung (?:ist )?(?:bei uns )?eingegangen", r"eingang (?:ihrer|deiner) bewerbung", r"vielen dank für (?:ihre|deine) bewerbung",
    r"nous avons bien reçu votre candidature", r"accusé de réception", r"merci pour votre candidature",
    r"merci d'avoir postulé",
)
RULES = (("rejection", REJECTION), ("offer", OFFER), ("interview", INTERVIEW), ("confirmation", CONFIRMATION))
_COMPILED = tuple((kind, re.compile("|".join(f"(?:{p})" for p in patterns))) for kind, patterns in RULES)

MONTHS = {
    **dict.fromkeys(("january", "jan", "januar", "janvier", "jänner"), 1),
    **dict.fromkeys(("february", "feb", "februar", "février", "fevrier"), 2),
    **dict.fromkeys(("march", "mar", "märz", "maerz", "mars"), 3),
    **dict.fromkeys(("april", "apr", "avril"), 4),
    **dict.fromkeys(("may", "mai"), 5),
    **dict.fromkeys(("june", "jun", "juni", "juin"), 6),
    **dict.fromkeys(("july", "jul", "juli", "juillet"), 7),
    **dict.fromkeys(("august", "aug", "août", "aout"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septembre"), 9),
    **dict.fromkeys(("october", "oct", "oktober", "octobre"), 10),
    **dict.fromkeys(("november", "nov", "novembre"), 11),
    **dict.fromkeys(("december", "dec", "dezember", "décembre", "decembre"), 12),
}
_MONTH = "(?P<month>" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_TIME = r"(?:[^0-9\n]{1,12}?(?P<hour>\d{1,2})(?:[:h.](?P<minute>\d{2}))?\s*(?:(?P<ampm>am|pm)|uhr|h\b)?)?"
DATES = (
    re.compile(r"(?P<year>20\d\d)-(?P<mon>\d\d)-(?P<day>\d\d)(?:[ t](?P<hour>\d\d):(?P<minute>\d\d))?"),
    re.compile(r"(?P<day>\d{1,2})\.(?P<mon>\d{1,2})\.(?P<year>20\d\d)" + _TIME),
    re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th|er)?\.?\s+" + _MONTH + r"\s+(?P<year>20\d\d)" + _TIME),
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>20\d\d)" + _TIME),
)


@dataclass(frozen=True)
class Classification:
    kind: str  # confirmation | rejection | interview | offer | other
    interview_at: datetime | None = None


def normalise(text: str) -> str:
    """Lower case, NFC, one space between words (so a phrase wrapped over two lines still matches)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower().replace("’", "'"))


def classify(subject: str, body: str) -> Classification:
    text = normalise(f"{subject}\n{body}")
    for kind, pattern in _COMPILED:
        if any(kind != "interview" or not _conditional(text, match.start()) for match in pattern.finditer(text)):
            return Classification(kind, interview_date(text) if kind == "interview" else None)
    return Classification("other")


def _conditional(text: str, at: int) -> bool:
    """Whether the sentence holding position ``at`` says "if" before it."""
    sentence_start = max(text.rfind(stop, 0, at) for stop in (". ", "! ", "? ", "\n")) + 1
    return bool(CONDITIONAL.search(text, sentence_start, at))


def interview_date(text: str) -> datetime | None:
    """The first full date (with its time, if one follows) the text gives, as UTC (the mail's
    own time zone is rarely stated in a form worth trusting). None when there is no date."""
    found = [(match.start(), match) for pattern in DATES for match in pattern.finditer(normalise(text))]
    for _, match in sorted(found, key=lambda pair: pair[0]):
        moment = _moment(match.groupdict())
        if moment is not None:
            return moment
    return None


def _moment(parts: dict[str, str | None]) -> datetime | None:
    month = int(parts["mon"]) if parts.get("mon") else MONTHS.get((parts.get("month") or "").rstrip("."), 0)
    hour = int(parts.get("hour") or 0)
    if parts.get("ampm") == "pm" and hour < 12:
        hour += 12
    try:
        return datetime(int(parts["year"] or 0), month, int(parts["day"] or 0), hour, int(parts.get("minute") or 0),
                        tzinfo=UTC)
    except ValueError:  # 31.02., 25:00: not a date
        return None
