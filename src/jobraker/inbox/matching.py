"""Which of the candidate's applications an employer's mail is about.

Signals, each worth points: the sender's domain is the listing's own site (3) or carries the
company's name (3); the company's name is in the subject or body (2); the job title is (2).
Mail sent through an applicant-tracking system (greenhouse.io, lever.co, …) says nothing by
its domain, so only the words count there. An employer writes only about an application it
received: one that reached the employer wins over one never sent (a listing matched or queued
at the same company); among those, the most points (at least 2), then one the mail's move is
open from (an interview invitation is about an application that can go to interview, not one
whose run failed), then an application still open, then the newest. Pure Python, no I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

# Applicant-tracking systems and mail services that send on employers' behalf.
SHARED_SENDERS = frozenset({
    "greenhouse.io", "greenhouse-mail.io", "lever.co", "hire.lever.co", "ashbyhq.com", "myworkday.com", "workday.com",
    "smartrecruiters.com", "personio.de", "personio.com", "recruitee.com", "workable.com", "teamtailor.com",
    "bamboohr.com", "join.com", "softgarden.de", "successfactors.com", "icims.com", "jobvite.com", "taleo.net",
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.com", "gmx.de", "web.de",
    "sendgrid.net", "mailgun.org", "amazonses.com",
})
COMPANY_SUFFIXES = re.compile(
    r"\b(?:gmbh|ag|se|kg|co|inc|ltd|llc|plc|sa|sas|sarl|bv|nv|limited|corp(?:oration)?|company|group|holding)\b\.?")
SECOND_LEVEL = frozenset({"co", "com", "ac", "gov", "org", "net", "gv", "or"})
MIN_SCORE = 2


@dataclass(frozen=True)
class Candidacy:
    """One application as matching sees it."""

    application_id: UUID
    company: str
    title: str
    url: str
    open: bool  # not rejected or withdrawn
    order: int  # higher is newer
    sent: bool = True  # reached the employer (applied by hand, or a run went out)
    moves: frozenset[str] = frozenset()  # the moves an employer's mail implies that are open from its status


def site(domain: str) -> str:
    """The registrable part of a domain: jobs.acme.co.uk → acme.co.uk (near enough without the
    public-suffix list: a short second level under a country code counts as a suffix)."""
    labels = [label for label in domain.lower().strip(".").split(".") if label]
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _words(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " " + " ".join(re.findall(r"[a-z0-9]+", folded)) + " "


def company_key(company: str) -> str:
    return _words(COMPANY_SUFFIXES.sub(" ", company.lower())).strip()


def score(candidacy: Candidacy, sender_domain: str, subject: str, body: str) -> int:
    points = 0
    sender_site = site(sender_domain)
    text = _words(f"{subject} {body}")
    company = company_key(candidacy.company)
    if sender_site and sender_site not in SHARED_SENDERS and sender_domain not in SHARED_SENDERS:
        listing_host = urlsplit(candidacy.url).hostname or ""
        if listing_host and site(listing_host) == sender_site:
            points += 3
        elif company and company.replace(" ", "") in sender_site.replace("-", ""):
            points += 3
    if company and f" {company} " in text:
        points += 2
    title = _words(candidacy.title).strip()
    if title and f" {title} " in text:
        points += 2
    return points


def best_match(candidacies: list[Candidacy], sender_domain: str, subject: str, body: str,
               implied: str = "") -> UUID | None:
    """``implied``: the move the mail implies as the rules read it ("" for none)."""
    scored = [(c.sent, points, bool(implied) and implied in c.moves, c.open, c.order, c) for c in candidacies
              if (points := score(c, sender_domain, subject, body)) >= MIN_SCORE]
    if not scored:
        return None
    return max(scored, key=lambda row: row[:5])[5].application_id
