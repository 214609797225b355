"""Which boards Jobraker fetches: staff and candidates follow a company's board by its token
(the name in its URL: boards.greenhouse.io/<token>, jobs.lever.co/<token>,
jobs.ashbyhq.com/<token>); `jobraker up` follows the sandbox boards by itself. Followed boards
are fetched by the scheduler. A board stays followed while staff, the sandbox or at least one
candidate follows it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from dramatiq.rate_limits import WindowRateLimiter
from dramatiq.rate_limits.backends import RedisBackend

from jobraker.config import get_settings
from jobraker.sources.boards import sandbox
from jobraker.sources.boards.client import BoardClient, check_board
from jobraker.sources.models import BoardFollower, FollowedBoard

CANDIDATES = "candidates"  # followed_by of a board first followed by a candidate


class FollowedByCandidates(Exception):
    """Staff cannot unfollow a board candidates follow: it is fetched for them."""

    def __init__(self, followers: int) -> None:
        super().__init__(f"{followers} candidate(s) follow this board; it is fetched until they stop")
        self.followers = followers


def follow(source: str, token: str, company: str, by: str) -> FollowedBoard:
    """Follow a board (again: the same row). Raises ValueError for an unknown source or a bad token."""
    check_board(source, token)
    company = " ".join(company.split())[:300] or token
    board, created = FollowedBoard.objects.get_or_create(source=source, token=token,
                                                         defaults={"company": company, "followed_by": by[:64]})
    if not created and board.followed_by == CANDIDATES and by != CANDIDATES:
        board.followed_by = by[:64]  # staff or the sandbox want it too: it stays when candidates leave
        board.save(update_fields=["followed_by"])
    return board


def unfollow(source: str, token: str) -> bool:
    """Stop fetching the board (staff); its listings stay until they expire like any other."""
    followers = BoardFollower.objects.filter(board__source=source, board__token=token).count()
    if followers:
        raise FollowedByCandidates(followers)
    return FollowedBoard.objects.filter(source=source, token=token).delete()[0] > 0


def add_follower(candidate_id: UUID, source: str, token: str, at: datetime) -> None:
    """The board is followed for this candidate. Named by its token alone: the company name the
    candidate gave is theirs and stays sealed in their event."""
    board = follow(source, token, token, by=CANDIDATES)
    BoardFollower.objects.get_or_create(board=board, candidate_id=candidate_id, defaults={"followed_at": at})


def remove_followers(candidate_id: UUID, *, source: str | None = None, token: str | None = None) -> None:
    """The candidate stops following one board (or every board: erasure); boards nobody else
    follows are no longer fetched."""
    followed = BoardFollower.objects.filter(candidate_id=candidate_id)
    if source is not None:
        followed = followed.filter(board__source=source, board__token=token)
    boards = list(followed.values_list("board_id", flat=True))
    followed.delete()
    FollowedBoard.objects.filter(id__in=boards, followed_by=CANDIDATES, followers__isnull=True).delete()


def follow_sandbox_boards() -> int:
    return sum(1 for source, token, company in sandbox.BOARDS if follow(source, token, company, "sandbox"))


def board_client(redis_client: object) -> BoardClient:
    settings = get_settings()
    backend = RedisBackend(client=redis_client)
    per_minute = settings.board_calls_per_minute

    def permit(source: str):  # type: ignore[no-untyped-def]
        limiter = WindowRateLimiter(backend, f"jobraker:board-api:{source}", limit=per_minute, window=60)
        return limiter.acquire(raise_on_failure=False)

    return BoardClient(
        {"greenhouse": settings.greenhouse_base_url, "lever": settings.lever_base_url, "ashby": settings.ashby_base_url},
        limiter=permit, sandbox=sandbox.sandbox_transport(),
    )
