"""The candidate's answer bank: what they answer to the screening questions employers' forms ask.

Jobraker gives the applying agent only these answers (appliers/payload.py) and never lets it
invent one: a question the bank does not cover stops the run (``question_unanswered``), the
application waits in needs input, and the candidate's answer comes back here.

One stream per candidate, its id derived from theirs (like the notification settings). Every
topic, question and answer is sealed: a notice period, a salary, a visa status, a country one
may work in are personal data. Sensitive topics (equal-opportunity questions, disability,
veteran status, date of birth) are never answered unless the candidate set them, and an
answer the candidate leaves empty there is "Prefer not to say".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.personal import Personal
from jobraker.domain.rules import clean_text

ANSWERS_NAMESPACE = uuid5(NAMESPACE_URL, "https://jobraker.dev/ns/answer-bank")
QUESTION_CHARS = 500
ANSWER_CHARS = 2000
MAX_ANSWERS = 200
PREFER_NOT_TO_SAY = "Prefer not to say"
CUSTOM = "custom"

# The questions forms ask most, with the topic each is kept under. Per-country and per-skill
# topics are added for the candidate's own countries and skills (``seed_questions``).
COMMON_QUESTIONS: dict[str, str] = {
    "notice_period": "What is your notice period?",
    "salary_expectation": "What are your salary expectations?",
    "salary_currency": "In which currency are your salary expectations?",
    "relocation": "Are you willing to relocate?",
    "link:linkedin": "What is your LinkedIn profile URL?",
    "link:github": "What is your GitHub profile URL?",
    "link:portfolio": "What is your portfolio or personal website URL?",
}
# Never answered unless the candidate set them explicitly; "Prefer not to say" by default.
SENSITIVE_QUESTIONS: dict[str, str] = {
    "eeo:gender": "What is your gender?",
    "eeo:ethnicity": "What is your race or ethnicity?",
    "disability": "Do you have a disability?",
    "veteran_status": "Are you a protected veteran?",
    "date_of_birth": "What is your date of birth?",
}
# Words that make a question sensitive whatever its topic (a custom one included).
SENSITIVE_WORDS = re.compile(
    r"\b(gender|sex|sexual|race|racial|ethnic\w*|disab\w*|veteran\w*|birth\w*|age|religio\w*|pregnan\w*|eeo)\b",
    re.IGNORECASE)
COUNTRY_NAMES = {"gb": "the United Kingdom", "us": "the United States", "de": "Germany", "fr": "France",
                 "nl": "the Netherlands", "es": "Spain", "it": "Italy", "pt": "Portugal", "ca": "Canada",
                 "au": "Australia", "at": "Austria", "be": "Belgium", "ch": "Switzerland", "ie": "Ireland",
                 "pl": "Poland", "in": "India", "sg": "Singapore", "br": "Brazil", "mx": "Mexico", "nz": "New Zealand"}


def answer_bank_id(candidate_id: UUID) -> UUID:
    return uuid5(ANSWERS_NAMESPACE, str(candidate_id))


def is_sensitive(topic: str, question: str) -> bool:
    return topic in SENSITIVE_QUESTIONS or SENSITIVE_WORDS.search(question) is not None


_QUOTED = re.compile(r'["“„«]([^"“”„«»]{3,})["”“»]')


def question_of(reason: str) -> str:
    """The form's question from the agent's reason for stopping: the last quoted part if there is
    one (the agent is asked for the exact wording, and often quotes it), else the whole reason."""
    quoted = _QUOTED.findall(reason or "")
    return (quoted[-1] if quoted else reason or "").strip()[:QUESTION_CHARS]


def seed_questions(countries: tuple[str, ...], skills: tuple[str, ...]) -> dict[str, str]:
    """Topic → question for every seeded question this candidate's profile asks for, in order."""
    # Jobraker searches "gb" for a candidate who named no country (sources/ingest.py).
    seeds = {f"work_authorisation:{c}": f"Are you legally authorised to work in {COUNTRY_NAMES.get(c, c.upper())}?"
             for c in countries or ("gb",)}
    seeds["visa_sponsorship"] = "Will you now or in the future require visa sponsorship to work in the job's country?"
    seeds.update(COMMON_QUESTIONS)
    seeds.update({f"years:{skill.casefold()}": f"How many years of experience do you have with {skill}?" for skill in skills})
    seeds.update(SENSITIVE_QUESTIONS)
    return seeds


@dataclass(frozen=True)
class Answer:
    id: UUID
    topic: str  # a seeded topic ("notice_period", "work_authorisation:de", "years:python", …) or "custom"
    question: str  # the question pattern the agent matches the form's question against
    answer: str

    @property
    def sensitive(self) -> bool:
        return is_sensitive(self.topic, self.question)


class AnswerBank(Aggregate):
    """The candidate's answers. Personal fields are sealed under the candidate's key."""

    class Created(Aggregate.Created):
        data_subject_field = "candidate_id"

        candidate_id: UUID

    class AnswerSet(Aggregate.Event):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        answer_id: UUID
        topic: Personal[str]
        question: Personal[str]
        answer: Personal[str]

    class AnswerRemoved(Aggregate.Event):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        answer_id: UUID

    @staticmethod
    def create_id(candidate_id: UUID, **_: object) -> UUID:
        return answer_bank_id(candidate_id)

    @event(Created)
    def __init__(self, candidate_id: UUID) -> None:
        self.candidate_id = candidate_id
        self.answers: dict[UUID, Answer] = {}

    # Commands.

    def set_answer(self, topic: str, question: str, answer: str) -> UUID:
        """Record (or replace) the answer to a question; returns its id. A sensitive question
        answered with nothing is "Prefer not to say"; any other needs an answer."""
        topic = clean_text("topic", topic, max_length=100)
        question = clean_text("question", question, max_length=QUESTION_CHARS)
        sensitive = is_sensitive(topic, question)
        answer = clean_text("answer", answer, max_length=ANSWER_CHARS, required=not sensitive) or PREFER_NOT_TO_SAY
        aid = self._id_for(topic, question)
        if aid not in self.answers and len(self.answers) >= MAX_ANSWERS:
            raise InvalidValue(f"the answer bank holds at most {MAX_ANSWERS} answers")
        if self.answers.get(aid) != Answer(aid, topic, question, answer):
            self._answer_set(candidate_id=self.candidate_id, answer_id=aid, topic=topic, question=question, answer=answer)
        return aid

    def remove_answer(self, aid: UUID) -> None:
        if aid not in self.answers:
            raise IllegalTransition("remove the answer", "there is no such answer")
        self._answer_removed(candidate_id=self.candidate_id, answer_id=aid)

    # Queries.

    def _id_for(self, topic: str, question: str) -> UUID:
        """Seeded topics have one answer each, custom ones one per question (case-insensitive). New
        ids are random: one derived from the topic would tell which skills or countries it names."""
        for answer in self.answers.values():
            same = answer.question.casefold() == question.casefold() if topic == CUSTOM else answer.topic == topic
            if answer.topic == topic and same:
                return answer.id
        return uuid4()

    def given(self) -> tuple[Answer, ...]:
        """Every answer the candidate set, in the order first set."""
        return tuple(self.answers.values())

    # Events applied.

    @event(AnswerSet)
    def _answer_set(self, candidate_id: UUID, answer_id: UUID, topic: str, question: str, answer: str) -> None:
        self.answers[answer_id] = Answer(answer_id, topic, question, answer)

    @event(AnswerRemoved)
    def _answer_removed(self, candidate_id: UUID, answer_id: UUID) -> None:
        self.answers.pop(answer_id, None)

