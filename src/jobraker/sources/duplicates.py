"""One listing per real job: when a listing is posted, its fingerprint is compared with the
earlier listings of the same company; if one is the same job (domain/listing_identity.py),
the new listing is linked to it (``Job.DuplicateLinked``) and nothing matches or alerts on it.
The first listing stays the one candidates see, so no application is ever split between two;
applying then takes the employer's own form when a linked listing came from their board."""

from __future__ import annotations

from uuid import UUID

import structlog

from jobraker.domain.job import Job
from jobraker.domain.listing_identity import EMPLOYER_BOARDS, SAME_JOB, Fingerprint, fingerprint, similarity
from jobraker.domain.service import Jobraker
from jobraker.sources.models import ListingFingerprint

log = structlog.get_logger(__name__)


def link_if_duplicate(jobraker: Jobraker, job_id: UUID) -> UUID | None:
    """Link the listing to the earlier listing of its job, if there is one; returns that listing's id."""
    job = jobraker.get_job(job_id)
    if job.is_tracked:
        return None
    if job.duplicate_of is not None:
        return job.duplicate_of  # a redelivered message
    mine = fingerprint(job.company, job.title, job.location, job.description)
    row = _stored(job_id, job.source, mine)
    best, score = _best_earlier(row, mine)
    if best is None:
        return None
    jobraker.link_duplicate(job_id, best, score)
    log.info("listing_linked_as_duplicate", job_id=str(job_id), canonical_id=str(best), similarity=round(score, 3))
    return best


def _stored(job_id: UUID, source: str, mine: Fingerprint) -> ListingFingerprint:
    row, _ = ListingFingerprint.objects.get_or_create(job_id=job_id, defaults={
        "source": source, "company_key": mine.company, "title": sorted(mine.title), "town": mine.town,
        "shingles": sorted(mine.shingles),
    })
    return row


def _best_earlier(row: ListingFingerprint, mine: Fingerprint) -> tuple[UUID | None, float]:
    """The most similar earlier listing of the same company that is still open and is no
    duplicate itself. Earlier by arrival, so two listings posted at once never link to each other."""
    from jobraker.projections.models import JobRecord

    if not mine.company:
        return None, 0.0
    earlier = ListingFingerprint.objects.filter(company_key=mine.company, id__lt=row.id).exclude(job_id=row.job_id)
    open_ids = set(JobRecord.objects.filter(id__in=earlier.values("job_id"), is_expired=False, duplicate_of__isnull=True)
                   .values_list("id", flat=True))
    best, best_score = None, 0.0
    for other in earlier.filter(job_id__in=open_ids):
        score = similarity(mine, _fingerprint_of(other))
        if score >= SAME_JOB and score > best_score:
            best, best_score = other.job_id, score
    return best, best_score


def _fingerprint_of(row: ListingFingerprint) -> Fingerprint:
    return Fingerprint(row.company_key, frozenset(row.title), row.town, frozenset(row.shingles))


def preferred_apply_url(job: Job) -> str:
    """The employer's own application form when a listing linked to this one came from their
    board (an aggregator's link lands on its own page first); else the listing's own URL."""
    from jobraker.projections.models import JobRecord

    if job.source in EMPLOYER_BOARDS:
        return job.url
    linked = JobRecord.objects.filter(duplicate_of=job.id, source__in=EMPLOYER_BOARDS, is_expired=False).exclude(url="")
    return linked.values_list("url", flat=True).first() or job.url
