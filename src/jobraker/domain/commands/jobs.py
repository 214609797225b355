"""Listings and the jobs candidates track themselves."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from jobraker.domain.commands.base import CommandBase
from jobraker.domain.errors import NotFound
from jobraker.domain.job import Job, job_id


class JobCommands(CommandBase):
    """Listings as sources post them, and jobs candidates track themselves."""

    def post_job(self, **listing: Any) -> tuple[UUID, int]:
        """Record a listing, or what changed in it since it was last posted (idempotent)."""
        jid = job_id(listing["source"], listing["external_id"])
        try:
            job = self._get(jid, kind=Job)
        except NotFound:
            try:
                return jid, self._save(Job.post(**listing))
            except IntegrityError:  # posted at this moment by another ingestion of the same search
                job = self._get(jid, kind=Job)
        job.revise(**listing)
        return jid, self._save(job)

    def ensure_job(self, **listing: Any) -> UUID:
        """The listing's job, posted now if it does not exist yet (never revised here)."""
        jid = job_id(listing["source"], listing["external_id"])
        try:
            self._get(jid, kind=Job)
        except NotFound:
            try:
                self._save(Job.post(**listing))
            except IntegrityError:
                pass  # posted concurrently: same id, same job
        return jid

    def track_job(self, owner_id: UUID, identity: str, **fields: Any) -> UUID:
        """The candidate's own record of a job they found elsewhere (made now if new, never
        changed by a later request). Never a listing: see ``Job.Tracked``."""
        job = Job.track(owner_id, identity, **fields)
        try:
            self._get(job.id, kind=Job)
        except NotFound:
            try:
                self._save(job)
            except IntegrityError:
                pass  # tracked at this moment by a second request: same id, same job
        return job.id

    def get_listing(self, jid: UUID) -> Job:
        """A job that is a listing: a candidate's tracked job reads as not found, so nothing
        Jobraker does for others (matching, shortlisting, applying) can reach it."""
        job = self._get(jid, kind=Job)
        if job.is_tracked:
            raise NotFound(jid)
        return job

    def get_job_for(self, candidate_id: UUID, jid: UUID) -> Job:
        """A listing, or the candidate's own tracked job; another's tracked job is not found."""
        job = self._get(jid, kind=Job)
        if job.is_tracked and job.owner_id != candidate_id:
            raise NotFound(jid)
        return job

    def link_duplicate(self, jid: UUID, canonical_id: UUID, similarity: float) -> int:
        return self._update(jid, None, lambda job: job.link_duplicate_of(canonical_id, similarity), kind=Job)

    def expire_job(self, jid: UUID, reason: str = "") -> int:
        return self._update(jid, None, lambda job: job.expire(reason), kind=Job)

    def get_job(self, jid: UUID) -> Job:
        return self._get(jid, kind=Job)
