"""The candidate: a person looking for work, from registration to erasure."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.personal import ERASED, Personal
from jobraker.domain.rules import clean_text

REMOTE_CHOICES = ("onsite", "hybrid", "remote", "any")
HOURS_CHOICES = ("full_time", "part_time", "any")
CONTRACT_CHOICES = ("permanent", "contract", "any")
CONSENT_KINDS = ("terms", "data_processing", "auto_apply")
MAX_SALARY = 10_000_000
MAX_DAILY_CAP = 100


def _choice(field_name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InvalidValue(f"{field_name} must be one of {', '.join(choices)}")
    return value


def _texts(field_name: str, values: Any, max_items: int = 50) -> tuple[str, ...]:
    items = tuple(clean_text(field_name, v, max_length=100) for v in values)
    if len(items) > max_items:
        raise InvalidValue(f"{field_name} takes at most {max_items} entries")
    return tuple(dict.fromkeys(items))  # unique, in the order given


@dataclass(frozen=True)
class Profile:
    """What the candidate offers and needs from a job."""

    headline: str = ""
    skills: tuple[str, ...] = ()
    years_experience: int = 0
    locations: tuple[str, ...] = ()
    remote: str = "any"
    salary_floor: int | None = None
    salary_currency: str = "GBP"
    hours: str = "any"
    contract: str = "any"

    def __post_init__(self) -> None:
        object.__setattr__(self, "headline", clean_text("headline", self.headline, max_length=200, required=False))
        object.__setattr__(self, "skills", _texts("skills", self.skills))
        object.__setattr__(self, "locations", _texts("locations", self.locations, max_items=20))
        if not 0 <= self.years_experience <= 70:
            raise InvalidValue("years_experience must be between 0 and 70")
        if self.salary_floor is not None and not 0 <= self.salary_floor <= MAX_SALARY:
            raise InvalidValue(f"salary_floor must be between 0 and {MAX_SALARY}")
        if not (len(self.salary_currency) == 3 and self.salary_currency.isascii() and self.salary_currency.isalpha() and self.salary_currency.isupper()):
            raise InvalidValue("salary_currency must be a three-letter ISO 4217 code such as GBP")
        _choice("remote", self.remote, REMOTE_CHOICES)
        _choice("hours", self.hours, HOURS_CHOICES)
        _choice("contract", self.contract, CONTRACT_CHOICES)

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Preferences:
    """How the candidate wants the search narrowed."""

    keywords: tuple[str, ...] = ()
    avoid_keywords: tuple[str, ...] = ()
    excluded_companies: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("keywords", "avoid_keywords", "excluded_companies"):
            object.__setattr__(self, name, _texts(name, getattr(self, name)))
        countries = _texts("countries", self.countries, max_items=20)
        if any(len(c) != 2 or not (c.isascii() and c.isalpha()) for c in countries):
            raise InvalidValue("countries must be two-letter ISO 3166 codes such as gb")
        object.__setattr__(self, "countries", tuple(c.lower() for c in countries))

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class AutoApplySettings:
    enabled: bool = False
    min_score: int = 70
    daily_cap: int = 10

    def __post_init__(self) -> None:
        if not 0 <= self.min_score <= 100:
            raise InvalidValue("min_score must be between 0 and 100")
        if not 1 <= self.daily_cap <= MAX_DAILY_CAP:
            raise InvalidValue(f"daily_cap must be between 1 and {MAX_DAILY_CAP}")


@dataclass(frozen=True)
class Resume:
    id: UUID
    filename: str
    content_type: str
    size: int
    text: str


@dataclass
class Consent:
    version: str
    given: bool


def _restore(cls: type, value: Any) -> Any:
    """A value object from its stored dict; erased personal data restores as ERASED."""
    if value is ERASED:
        return ERASED
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in value.items()})


class Candidate(Aggregate):
    """A candidate's lifecycle. Personal fields are encrypted with the candidate's own key."""

    class Registered(Aggregate.Created):
        email: Personal[str]
        name: Personal[str]
        password_hash: Personal[str]

    class ProfileChanged(Aggregate.Event):
        profile: Personal[dict]

    class PreferencesChanged(Aggregate.Event):
        preferences: Personal[dict]

    class ConsentGiven(Aggregate.Event):
        kind: str
        version: str

    class ConsentWithdrawn(Aggregate.Event):
        kind: str

    class AutoApplySettingsChanged(Aggregate.Event):
        enabled: bool
        min_score: int
        daily_cap: int

    class ResumeUploaded(Aggregate.Event):
        resume_id: UUID
        filename: Personal[str]
        content_type: str
        size: int
        text: Personal[str]

    class ResumeDeleted(Aggregate.Event):
        resume_id: UUID

    class Deactivated(Aggregate.Event):
        pass

    class ExportRequested(Aggregate.Event):
        export_id: UUID
        by: str

    class ErasureRequested(Aggregate.Event):
        by: str

    class ErasureCompleted(Aggregate.Event):
        """The candidate's data key was destroyed; their personal fields now read as erased."""

    @classmethod
    def register(cls, id: UUID, email: str, name: str, password_hash: str) -> Candidate:
        if "@" not in email:
            raise InvalidValue("email must be an e-mail address")
        return cls(
            id=id,
            email=clean_text("email", email, max_length=254),
            name=clean_text("name", name, max_length=200),
            password_hash=password_hash,
        )

    @event(Registered)
    def __init__(self, id: UUID, email: str, name: str, password_hash: str) -> None:
        self.email = email
        self.name = name
        self.password_hash = password_hash
        self.profile: Profile = Profile()
        self.preferences: Preferences = Preferences()
        self.consents: dict[str, Consent] = {}
        self.auto_apply = AutoApplySettings()
        self.resume: Resume | None = None
        self.is_active = True
        self.is_erased = False
        self.erasure_requested = False

    # Commands: check the rules, then record the event.

    def change_profile(self, profile: Profile) -> None:
        self._require_active("change the profile")
        if profile != self.profile:
            self._profile_changed(profile=profile.as_dict())

    def change_preferences(self, preferences: Preferences) -> None:
        self._require_active("change preferences")
        if preferences != self.preferences:
            self._preferences_changed(preferences=preferences.as_dict())

    def give_consent(self, kind: str, version: str) -> None:
        self._require_active("give consent")
        _choice("consent kind", kind, CONSENT_KINDS)
        version = clean_text("consent version", version, max_length=32)
        current = self.consents.get(kind)
        if current is None or not current.given or current.version != version:
            self._consent_given(kind=kind, version=version)

    def withdraw_consent(self, kind: str) -> None:
        _choice("consent kind", kind, CONSENT_KINDS)
        if self.has_consent(kind):
            self._consent_withdrawn(kind=kind)
            if kind == "auto_apply" and self.auto_apply.enabled:
                self._auto_apply_changed(enabled=False, min_score=self.auto_apply.min_score, daily_cap=self.auto_apply.daily_cap)

    def change_auto_apply(self, settings: AutoApplySettings) -> None:
        self._require_active("change auto-apply settings")
        if settings.enabled and not self.has_consent("auto_apply"):
            raise IllegalTransition("switch auto-apply on", "auto-apply consent has not been given")
        if settings != self.auto_apply:
            self._auto_apply_changed(enabled=settings.enabled, min_score=settings.min_score, daily_cap=settings.daily_cap)

    def upload_resume(self, resume_id: UUID, filename: str, content_type: str, size: int, text: str) -> None:
        """A new resume replaces the previous one."""
        self._require_active("upload a resume")
        filename = clean_text("filename", filename, max_length=255)
        if not text.strip():
            raise InvalidValue("a resume must contain text")
        self._resume_uploaded(resume_id=resume_id, filename=filename, content_type=content_type, size=size, text=text)

    def delete_resume(self) -> UUID:
        if self.resume is None:
            raise IllegalTransition("delete the resume", "there is no resume")
        resume_id = self.resume.id
        self._resume_deleted(resume_id=resume_id)
        return resume_id

    def deactivate(self) -> None:
        self._require_active("deactivate")
        if self.auto_apply.enabled:
            self._auto_apply_changed(enabled=False, min_score=self.auto_apply.min_score, daily_cap=self.auto_apply.daily_cap)
        self._deactivated()

    def request_export(self, export_id: UUID, by: str) -> None:
        if self.is_erased:
            raise IllegalTransition("export data", "the candidate is erased")
        self._export_requested(export_id=export_id, by=by)

    def request_erasure(self, by: str) -> None:
        if self.is_erased:
            raise IllegalTransition("request erasure", "the candidate is already erased")
        if not self.erasure_requested:
            self._erasure_requested(by=by)

    def complete_erasure(self) -> None:
        if not self.is_erased:
            self._erasure_completed()

    # Queries.

    def has_consent(self, kind: str) -> bool:
        consent = self.consents.get(kind)
        return bool(consent and consent.given)

    # Events applied (also on replay: no checks here).

    @event(ProfileChanged)
    def _profile_changed(self, profile: dict) -> None:
        self.profile = _restore(Profile, profile)

    @event(PreferencesChanged)
    def _preferences_changed(self, preferences: dict) -> None:
        self.preferences = _restore(Preferences, preferences)

    @event(ConsentGiven)
    def _consent_given(self, kind: str, version: str) -> None:
        self.consents[kind] = Consent(version=version, given=True)

    @event(ConsentWithdrawn)
    def _consent_withdrawn(self, kind: str) -> None:
        self.consents[kind] = Consent(version=self.consents[kind].version, given=False)

    @event(AutoApplySettingsChanged)
    def _auto_apply_changed(self, enabled: bool, min_score: int, daily_cap: int) -> None:
        self.auto_apply = AutoApplySettings(enabled=enabled, min_score=min_score, daily_cap=daily_cap)

    @event(ResumeUploaded)
    def _resume_uploaded(self, resume_id: UUID, filename: str, content_type: str, size: int, text: str) -> None:
        self.resume = Resume(resume_id, filename, content_type, size, text)

    @event(ResumeDeleted)
    def _resume_deleted(self, resume_id: UUID) -> None:
        self.resume = None

    @event(Deactivated)
    def _deactivated(self) -> None:
        self.is_active = False

    @event(ExportRequested)
    def _export_requested(self, export_id: UUID, by: str) -> None:
        pass

    @event(ErasureRequested)
    def _erasure_requested(self, by: str) -> None:
        self.erasure_requested = True

    @event(ErasureCompleted)
    def _erasure_completed(self) -> None:
        self.email = self.name = self.password_hash = ERASED
        self.profile = self.preferences = ERASED
        self.resume = None
        self.auto_apply = AutoApplySettings(enabled=False, min_score=self.auto_apply.min_score, daily_cap=self.auto_apply.daily_cap)
        self.is_active = False
        self.is_erased = True

    def _require_active(self, action: str) -> None:
        if self.is_erased:
            raise IllegalTransition(action, "the candidate is erased")
        if not self.is_active:
            raise IllegalTransition(action, "the candidate is deactivated")
