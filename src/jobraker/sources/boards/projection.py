"""Which candidates follow which boards, from their Candidate.BoardFollowed/BoardUnfollowed
events: the boards the scheduler fetches for them, and the list each candidate sees."""

from __future__ import annotations

from functools import singledispatchmethod

from jobraker.domain.candidate import Candidate
from jobraker.domain.personal import ERASED
from jobraker.projections.base import Projection
from jobraker.sources.boards.following import add_follower, remove_followers
from jobraker.sources.models import BoardFollower


class BoardFollowerProjection(Projection):
    name = "board_followers"

    def reset(self) -> None:
        """The follower rows only: the boards keep what their last fetch saw (replaying a follow
        finds its board; replaying the last unfollow drops it)."""
        BoardFollower.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _followed(self, event: Candidate.BoardFollowed, position: int) -> None:
        if event.token is ERASED:
            return  # replayed after the erasure: the follower row went with it
        add_follower(event.originator_id, event.source, event.token, event.timestamp)

    @process.register
    def _unfollowed(self, event: Candidate.BoardUnfollowed, position: int) -> None:
        if event.token is not ERASED:
            remove_followers(event.originator_id, source=event.source, token=event.token)

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        remove_followers(event.originator_id)
