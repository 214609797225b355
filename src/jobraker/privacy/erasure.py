"""Erasing a candidate (GDPR art. 17) by crypto-shredding.

In this order, so that every step that writes still can: record the request; withdraw
the applications not yet sent (nothing is submitted for an erased candidate); delete what
names them outside the projections (privacy/leftovers.py: resume files, cached vectors, e-mail
ledger, alert hits, exports, outbox mail) and ask Skyvern to delete the resume files it was given
(appliers/files.py, each request and answer kept as the erasure record); record the erasure, in whose transaction the event
store deletes their data key and leaves a tombstone (from then on nothing can be sealed or saved
for them: the barrier), and on which every projection drops their rows; the relay then has the
dropped rows' tables vacuumed (privacy/vacuum.py). The scheduler rotates the key-encryption keys
(privacy/rotation.py), after which the destroyed key cannot be brought back from old row
versions, the WAL or backups either. The history stays replayable for audit, with personal
fields shown as erased."""

from __future__ import annotations

from uuid import UUID

import structlog

from jobraker.appliers.factory import skyvern_applier
from jobraker.appliers.files import forget_candidate_files
from jobraker.domain.application import Application
from jobraker.eventstore.app import EncryptedJobraker
from jobraker.privacy.leftovers import forget_leftovers
from jobraker.privacy.streams import streams_started_for

log = structlog.get_logger(__name__)


def erase_candidate(jobraker: EncryptedJobraker, candidate_id: UUID, by: str) -> int:
    jobraker.request_erasure(candidate_id, by)
    application_ids = streams_started_for(candidate_id, Application.Started)
    withdrawn = _withdraw_pending(jobraker, application_ids)
    gone = forget_leftovers(candidate_id, application_ids)
    skyvern_files = forget_candidate_files(skyvern_applier(), candidate_id)  # the processor is asked to delete too
    position = jobraker.complete_erasure(candidate_id)  # destroys the key (eventstore/app.py)
    log.info("candidate_erased", candidate_id=str(candidate_id), by=by, withdrawn=withdrawn, deleted=gone,
             skyvern_files=skyvern_files)
    return position


def _withdraw_pending(jobraker: EncryptedJobraker, application_ids: list[UUID]) -> int:
    """Every application of the candidate still waiting to be sent."""
    return sum(bool(jobraker.withdraw_unsent(application_id)) for application_id in application_ids)
