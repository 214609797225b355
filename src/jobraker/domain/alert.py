"""Job alerts: a candidate's saved search that tells them about new jobs that match it,
at once or in a daily digest, until they unsubscribe.

Whether a job matches is decided here, in plain Python, so the rule reads in one place
(``AlertCriteria.matches``) and the workers only feed it listings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.personal import ERASED, Erased, Personal
from jobraker.domain.rules import clean_text

FREQUENCIES = ("immediate", "daily")
REMOTE_CHOICES = ("any", "remote", "onsite")
MAX_KEYWORDS = 20
MAX_SALARY = 10_000_000


@dataclass(frozen=True)
class AlertCriteria:
    """What a new job must have for the alert to fire. Every given criterion must hold."""

    keywords: tuple[str, ...] = ()
    location: str = ""
    salary_min: int | None = None
    remote: str = "any"

    def __post_init__(self) -> None:
        keywords = tuple(dict.fromkeys(clean_text("keywords", k, max_length=100).lower() for k in self.keywords))
        if len(keywords) > MAX_KEYWORDS:
            raise InvalidValue(f"keywords takes at most {MAX_KEYWORDS} entries")
        object.__setattr__(self, "keywords", keywords)
        object.__setattr__(self, "location", clean_text("location", self.location, max_length=200, required=False))
        if self.salary_min is not None and not 0 <= self.salary_min <= MAX_SALARY:
            raise InvalidValue(f"salary_min must be between 0 and {MAX_SALARY}")
        if self.remote not in REMOTE_CHOICES:
            raise InvalidValue(f"remote must be one of {', '.join(REMOTE_CHOICES)}")
        if not (self.keywords or self.location or self.salary_min is not None or self.remote != "any"):
            # An alert on every job would flood the candidate; it is almost certainly a mistake.
            raise InvalidValue("an alert needs at least one of keywords, location, salary_min or remote")

    def matches(self, job: Mapping[str, Any]) -> bool:
        """True when the listing (a Job's fields) meets every criterion given."""
        text = " ".join(str(job.get(name) or "") for name in ("title", "company", "description")).lower()
        if any(keyword not in text for keyword in self.keywords):
            return False
        if self.location and self.location.lower() not in str(job.get("location") or "").lower():
            return False
        if self.salary_min is not None:
            best = max((v for v in (job.get("salary_min"), job.get("salary_max")) if v is not None), default=None)
            if best is None or best < self.salary_min:
                return False
        if self.remote != "any" and bool(job.get("remote")) != (self.remote == "remote"):
            return False
        return True

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> AlertCriteria:
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
        return cls(**fields)


def criteria_fields(criteria: AlertCriteria | Erased) -> dict[str, Any]:
    """The criteria as events store them. An erased alert has none."""
    if isinstance(criteria, Erased):
        raise IllegalTransition("change the alert", "its owner is erased")
    return criteria.as_dict()


def _frequency(value: str) -> str:
    if value not in FREQUENCIES:
        raise InvalidValue(f"frequency must be one of {', '.join(FREQUENCIES)}")
    return value


class JobAlert(Aggregate):
    """One saved search. Its name and criteria are the candidate's personal data."""

    class Created(Aggregate.Created):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        name: Personal[str]
        criteria: Personal[dict[str, Any]]
        frequency: str

    class Changed(Aggregate.Event):
        data_subject_field = "candidate_id"

        candidate_id: UUID
        name: Personal[str]
        criteria: Personal[dict[str, Any]]
        frequency: str

    class Unsubscribed(Aggregate.Event):
        """No more notifications; ``via`` says how (the API or the e-mailed link)."""

        candidate_id: UUID
        via: str

    @classmethod
    def create(cls, candidate_id: UUID, name: str, criteria: AlertCriteria, frequency: str) -> JobAlert:
        return cls(
            candidate_id=candidate_id, name=clean_text("name", name, max_length=100),
            criteria=criteria.as_dict(), frequency=_frequency(frequency),
        )

    @event(Created)
    def __init__(self, candidate_id: UUID, name: str | Erased, criteria: dict[str, Any] | Erased, frequency: str) -> None:
        self.candidate_id = candidate_id
        self._apply_values(name, criteria, frequency)
        self.is_subscribed = True

    def change(self, name: str | None = None, criteria: AlertCriteria | None = None, frequency: str | None = None) -> None:
        if not self.is_subscribed:
            raise IllegalTransition("change the alert", "it is unsubscribed")
        new_name = self.name if name is None else clean_text("name", name, max_length=100)
        new_criteria = self.criteria if criteria is None else criteria
        new_frequency = self.frequency if frequency is None else _frequency(frequency)
        if (new_name, new_criteria, new_frequency) != (self.name, self.criteria, self.frequency):
            self._changed(
                candidate_id=self.candidate_id, name=new_name, criteria=criteria_fields(new_criteria), frequency=new_frequency
            )

    def unsubscribe(self, via: str) -> None:
        """Idempotent: unsubscribing twice (a link clicked twice) records nothing more."""
        if self.is_subscribed:
            self._unsubscribed(candidate_id=self.candidate_id, via=via)

    @event(Changed)
    def _changed(self, candidate_id: UUID, name: str | Erased, criteria: dict[str, Any] | Erased, frequency: str) -> None:
        self._apply_values(name, criteria, frequency)

    @event(Unsubscribed)
    def _unsubscribed(self, candidate_id: UUID, via: str) -> None:
        self.is_subscribed = False

    def _apply_values(self, name: str | Erased, criteria: dict[str, Any] | Erased, frequency: str) -> None:
        # Both are personal data: they read as ERASED once the candidate is erased.
        self.name = name
        # Erased criteria (crypto-shredded) cannot match anything again.
        self.criteria: AlertCriteria | Erased = ERASED if isinstance(criteria, Erased) else AlertCriteria.from_dict(criteria)
        self.frequency = frequency
