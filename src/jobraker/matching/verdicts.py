"""What the filters found about one job for one candidate, for the score and the explanation:
where it met the candidate's places, how its work mode fits their wish (and how much lower that
should rank it), and its pay in the candidate's currency. Pure: it reads a job's fields and the
candidate's wants, never the database (the reference rates are passed in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from jobraker.domain.iso_codes import MARKET_CURRENCIES
from jobraker.matching.currency import ReferenceRates
from jobraker.matching.places import PlaceMatch, WantedPlace, place_match
from jobraker.matching.remote import HYBRID, ONSITE, REMOTE, UNKNOWN, WorkMode

# Share of the score a work mode the candidate did not ask for takes off (when it is not strict).
# Keyed by (candidate's wish, job's mode); a pair not listed costs nothing.
WORK_MODE_PENALTIES: dict[tuple[str, str], float] = {
    ("remote", HYBRID): 0.15,  # kept only when in one of their places
    ("remote", ONSITE): 0.30,  # kept only by a lenient strategy
    ("remote", UNKNOWN): 0.20,
    ("hybrid", ONSITE): 0.15,
    ("onsite", REMOTE): 0.15,
    ("onsite", HYBRID): 0.05,
}
PREDICTED_BELOW_FLOOR_PENALTY = 0.10  # an estimate below the floor: kept, ranked a little lower


class Listing(Protocol):
    title: str
    location: str
    country: str
    places: list[str]
    latitude: float | None
    longitude: float | None
    remote: bool
    work_mode: str
    work_mode_evidence: list[str]
    salary_min: float | None
    salary_max: float | None
    salary_currency: str
    salary_is_predicted: bool


class Wishes(Protocol):
    remote: str
    remote_strict: bool
    radius_km: int | None
    salary_floor: int | None
    salary_currency: str
    places: tuple[WantedPlace, ...]


@dataclass(frozen=True)
class Pay:
    """The job's pay as the candidate counts it."""

    top: float | None  # the job's highest stated figure, in the candidate's currency (None: not stated or not convertible)
    currency: str  # the candidate's currency
    job_currency: str
    predicted: bool
    below_floor: bool | None  # None: no floor, no pay stated, or a currency the rates do not know
    rates: str  # which reference rates converted it

    def as_dict(self) -> dict[str, Any]:
        return {"top": None if self.top is None else round(self.top), "currency": self.currency,
                "job_currency": self.job_currency, "predicted": self.predicted, "below_floor": self.below_floor,
                "rates": self.rates}


@dataclass(frozen=True)
class Verdict:
    """What the scorer may use: ``penalty`` (0–1, the share of the score to take off) sums the
    work-mode and predicted-pay penalties; the parts say why."""

    place: PlaceMatch | None
    work_mode: WorkMode
    work_mode_penalty: float
    pay: Pay
    notes: list[str] = field(default_factory=list)

    @property
    def penalty(self) -> float:
        pay = PREDICTED_BELOW_FLOOR_PENALTY if self.pay.predicted and self.pay.below_floor else 0.0
        return min(1.0, self.work_mode_penalty + pay)

    def as_dict(self) -> dict[str, Any]:
        return {
            "place": self.place.as_dict() if self.place else None,
            "work_mode": self.work_mode.as_dict(),
            "work_mode_penalty": self.work_mode_penalty,
            "pay": self.pay.as_dict(),
            "penalty": round(self.penalty, 3),
        }


def verdict(job: Listing, wants: Wishes, rates: ReferenceRates) -> Verdict:
    mode = WorkMode(job.work_mode or (REMOTE if job.remote else UNKNOWN), tuple(job.work_mode_evidence or ()))
    place = place_match(job.places or [], job.location, (job.latitude, job.longitude), wants.places, wants.radius_km)
    penalty = 0.0 if wants.remote_strict else WORK_MODE_PENALTIES.get((wants.remote, mode.mode), 0.0)
    pay = pay_of(job, wants, rates)
    return Verdict(place, mode, penalty, pay, _notes(wants, mode, penalty, pay))


def pay_of(job: Listing, wants: Wishes, rates: ReferenceRates) -> Pay:
    job_currency = job.salary_currency or MARKET_CURRENCIES.get(job.country, wants.salary_currency)
    stated = job.salary_max if job.salary_max is not None else job.salary_min
    top = None if stated is None else rates.convert(stated, job_currency, wants.salary_currency)
    if top is None and stated is not None and job_currency == wants.salary_currency:
        top = stated  # same currency, even one the rates do not know
    below = None if top is None or not wants.salary_floor else top < wants.salary_floor
    return Pay(top, wants.salary_currency, job_currency, job.salary_is_predicted, below, rates.describe())


def _notes(wants: Wishes, mode: WorkMode, penalty: float, pay: Pay) -> list[str]:
    notes = []
    if penalty:
        said = mode.mode or "not said"
        notes.append(f"work mode {said}, you asked for {wants.remote}: ranked lower")
    if pay.predicted and pay.top is not None:
        amount = f"{pay.top:,.0f} {pay.currency}"
        notes.append(f"salary {amount} is the source's estimate, below your floor of {wants.salary_floor:,}"
                     if pay.below_floor else "salary is the source's estimate, not stated by the employer")
    if pay.job_currency != pay.currency and pay.top is not None:
        notes.append(f"pay converted from {pay.job_currency} at the {pay.rates}")
    return notes
