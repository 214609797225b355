"""The candidate's answer bank (domain/answers.py) and the questions applications wait on."""

from __future__ import annotations

from uuid import UUID

from jobraker.domain.answers import CUSTOM, AnswerBank, answer_bank_id, question_of
from jobraker.domain.application import Actor, Status
from jobraker.domain.commands.applications import ApplicationCommands
from jobraker.domain.errors import IllegalTransition, NotFound


class AnswerCommands(ApplicationCommands):
    """The answer bank, and the questions applications wait on."""

    def get_answer_bank(self, candidate_id: UUID) -> AnswerBank:
        """The candidate's answers; none given yet reads as an empty bank (saved on the first answer)."""
        try:
            return self._get(answer_bank_id(candidate_id), kind=AnswerBank)
        except NotFound:
            return AnswerBank(candidate_id=candidate_id)

    def set_answer(self, candidate_id: UUID, topic: str, question: str, answer: str) -> tuple[UUID, int]:
        """Record the candidate's answer to a question (a seeded topic or ``custom``)."""
        self._require_may_answer(candidate_id)
        def record() -> tuple[UUID, int]:
            bank = self.get_answer_bank(candidate_id)
            aid = bank.set_answer(topic, question, answer)
            return aid, self._save(bank)

        return self._retrying(answer_bank_id(candidate_id), record)  # created or changed concurrently

    def remove_answer(self, candidate_id: UUID, aid: UUID) -> int:
        return self._update(answer_bank_id(candidate_id), None, lambda bank: bank.remove_answer(aid), kind=AnswerBank)

    def answer_question(self, application_id: UUID, answer: str, by: Actor, question: str | None = None) -> tuple[UUID, int]:
        """The candidate answers the question an application waits on: the answer goes into the
        bank and the application is queued again for a new run, in one transaction."""
        def answer_and_requeue() -> tuple[UUID, int]:
            application = self.get_application(application_id)
            if application.status is not Status.NEEDS_INPUT or not application.question:
                raise IllegalTransition("answer the question", f"the application is {application.status.value}")
            self._require_may_answer(application.candidate_id)
            bank = self.get_answer_bank(application.candidate_id)
            aid = bank.set_answer(CUSTOM, question or question_of(application.question), answer)
            application.provide_input(by)
            return aid, self._save(bank, application)

        return self._retrying(application_id, answer_and_requeue)

    def _require_may_answer(self, candidate_id: UUID) -> None:
        candidate = self.get_candidate(candidate_id)
        if candidate.is_erased or not candidate.is_active:
            raise IllegalTransition("record an answer", "the candidate is erased" if candidate.is_erased else "the candidate is deactivated")
