"""Ingesting one followed board: post the postings that are new or changed (each board API
returns the whole board, so "incremental" means comparing each posting with its digest from
the last fetch), and expire the listings the board no longer returns. One ingestion per board
at a time (a Redis lock); ids only in logs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import redis
import structlog

from jobraker.domain.errors import DomainError
from jobraker.domain.job import job_id
from jobraker.domain.safe_url import UnsafeUrl, check_url
from jobraker.domain.service import Jobraker
from jobraker.public_urls import resolve_addresses
from jobraker.sources.boards.client import BoardClient, BoardNotFound
from jobraker.sources.models import FollowedBoard

log = structlog.get_logger(__name__)

LOCK_SECONDS = 300


@dataclass
class BoardReport:
    fetched: int = 0
    posted: int = 0
    unchanged: int = 0
    refused: int = 0
    expired: int = 0
    skipped: bool = False  # another ingestion of this board was running


def ingest_board(jobraker: Jobraker, board: FollowedBoard, client: BoardClient, redis_client: redis.Redis) -> BoardReport:
    lock = redis_client.lock(f"jobraker:board:{board.source}:{board.token}", timeout=LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return BoardReport(skipped=True)
    try:
        return _ingest(jobraker, board, client)
    finally:
        lock.release()


def _ingest(jobraker: Jobraker, board: FollowedBoard, client: BoardClient) -> BoardReport:
    board.refresh_from_db()
    try:
        listings = client.fetch(board.source, board.token, board.company)
    except BoardNotFound as exc:
        # Not taken as "every posting closed": a wrong or renamed token says nothing about the jobs.
        _record(board, error=str(exc))
        log.warning("board_not_found", source=board.source, board=board.token)
        return BoardReport()
    report = BoardReport(fetched=len(listings))
    # One lookup per host and fetch (as Adzuna's ingestion does), never kept past it: the URL check
    # must see what a name resolves to now.
    resolve = lru_cache(maxsize=512)(resolve_addresses)
    current = _post_changed(jobraker, board, listings, report, resolve)
    gone = [external_id for external_id in board.seen if external_id not in current]
    for external_id in gone:
        jobraker.expire_job(job_id(board.source, external_id), reason=f"no longer on the employer's {board.source} board")
        report.expired += 1
    board.seen = current
    _record(board, listings=len(current))
    log.info("board_ingested", source=board.source, board=board.token, **vars(report))
    return report


def _post_changed(
    jobraker: Jobraker, board: FollowedBoard, listings: list[dict[str, Any]], report: BoardReport,
    resolve: Callable[[str], list[str]],
) -> dict[str, str]:
    current: dict[str, str] = {}
    for fields in listings:
        external_id, digest = fields["external_id"], _digest(fields)
        if board.seen.get(external_id) == digest:
            current[external_id] = digest
            report.unchanged += 1
            continue
        try:
            if fields["url"]:
                check_url(fields["url"], resolve=resolve)
            jobraker.post_job(**fields)
        except (UnsafeUrl, DomainError) as exc:  # an unsafe link, a field out of bounds, or re-listed after expiry
            report.refused += 1
            log.info("board_posting_refused", source=board.source, board=board.token, reason=type(exc).__name__)
            continue
        current[external_id] = digest
        report.posted += 1
    return current


def _record(board: FollowedBoard, *, error: str = "", listings: int | None = None) -> None:
    board.last_fetched_at = datetime.now(UTC)
    board.last_error = error[:300]
    if listings is not None:
        board.listings = listings
    board.save(update_fields=["last_fetched_at", "last_error", "listings", "seen"])


def _digest(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:32]
