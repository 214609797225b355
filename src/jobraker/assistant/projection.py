"""Conversations as the candidate lists them, and the token tally the budget reads."""

from __future__ import annotations

from functools import singledispatchmethod

from django.db.models import F

from jobraker.assistant.models import ConversationRecord, TokenUsage
from jobraker.domain.candidate import Candidate
from jobraker.domain.conversation import Conversation
from jobraker.domain.personal import ERASED
from jobraker.projections.base import Projection


class ConversationProjection(Projection):
    name = "conversations"

    def reset(self) -> None:
        ConversationRecord.objects.all().delete()
        TokenUsage.objects.all().delete()

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        """Other events only move the position."""

    @process.register
    def _started(self, event: Conversation.Started, position: int) -> None:
        if event.title is ERASED:  # replaying an erased candidate's history
            return
        ConversationRecord.objects.update_or_create(
            id=event.originator_id,
            defaults={"candidate_id": event.candidate_id, "title": event.title, "started_at": event.timestamp,
                      "updated_at": event.timestamp, "version": event.originator_version},
        )

    @process.register
    def _message(self, event: Conversation.MessagePosted, position: int) -> None:
        ConversationRecord.objects.filter(id=event.originator_id).update(
            messages=F("messages") + 1, updated_at=event.timestamp, version=event.originator_version
        )

    @process.register
    def _tokens(self, event: Conversation.TokensUsed, position: int) -> None:
        spent = event.prompt_tokens + event.completion_tokens
        updated = ConversationRecord.objects.filter(id=event.originator_id).update(
            tokens=F("tokens") + spent, version=event.originator_version
        )
        if not updated:
            return  # the candidate was erased: their rows are gone and stay gone
        usage, _ = TokenUsage.objects.get_or_create(candidate_id=event.candidate_id, day=event.timestamp.date())
        TokenUsage.objects.filter(pk=usage.pk).update(tokens=F("tokens") + spent)

    @process.register
    def _erased(self, event: Candidate.ErasureCompleted, position: int) -> None:
        ConversationRecord.objects.filter(candidate_id=event.originator_id).delete()
        TokenUsage.objects.filter(candidate_id=event.originator_id).delete()
