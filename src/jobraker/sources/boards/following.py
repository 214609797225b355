"""Which boards Jobraker fetches: staff follow a company's board by its token (the name in its
URL: boards.greenhouse.io/<token>, jobs.lever.co/<token>, jobs.ashbyhq.com/<token>); `jobraker
up` follows the sandbox boards by itself. Followed boards are fetched by the scheduler."""

from __future__ import annotations

from dramatiq.rate_limits import WindowRateLimiter
from dramatiq.rate_limits.backends import RedisBackend

from jobraker.config import get_settings
from jobraker.sources.boards import sandbox
from jobraker.sources.boards.client import BoardClient, check_board
from jobraker.sources.models import FollowedBoard


def follow(source: str, token: str, company: str, by: str) -> FollowedBoard:
    """Follow a board (again: the same row). Raises ValueError for an unknown source or a bad token."""
    check_board(source, token)
    company = " ".join(company.split())[:300] or token
    board, _ = FollowedBoard.objects.get_or_create(source=source, token=token,
                                                   defaults={"company": company, "followed_by": by[:64]})
    return board


def unfollow(source: str, token: str) -> bool:
    """Stop fetching the board; its listings stay until they expire like any other."""
    return FollowedBoard.objects.filter(source=source, token=token).delete()[0] > 0


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
