"""The candidate: a person looking for work, from registration to erasure."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from jobraker.domain.automation import (
    DEFAULT_STRATEGY,
    LEVEL_NAMES,
    MAX_DAILY_CAP,  # noqa: F401  (re-exported: the API and tests read it here)
    SENDING_MODES,
    STRATEGIES,
    check_company_limit,
    check_daily_cap,
    check_min_score,
    check_mode,
    check_strategy,
)
from jobraker.domain.errors import IllegalTransition, InvalidValue
from jobraker.domain.iso_codes import known_country, known_currency
from jobraker.domain.personal import ERASED, Erased, Personal
from jobraker.domain.rules import clean_text

REMOTE_CHOICES = ("onsite", "hybrid", "remote", "any")
HOURS_CHOICES = ("full_time", "part_time", "any")
CONTRACT_CHOICES = ("permanent", "contract", "any")
CONSENT_KINDS = ("terms", "data_processing", "auto_apply")
# Employers' job boards a candidate can follow, and how many at once (each is fetched on a schedule).
BOARD_SOURCES = ("greenhouse", "lever", "ashby")
BOARD_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")  # the board's name in its URL
MAX_FOLLOWED_BOARDS = 25
MAX_SALARY = 10_000_000
MAX_RADIUS_KM = 500
# Why sending is refused to a candidate who has not opened their verification link.
UNVERIFIED = "the e-mail address is not verified yet (open the link sent to it)"
# Before automation modes, auto-apply's own defaults; old events that kept them have no override.
LEGACY_MIN_SCORE, LEGACY_DAILY_CAP = 70, 10

T = TypeVar("T")


def check_board_token(token: str) -> None:
    """A board token names the board (the last part of its URL) and nothing else: no path, no query."""
    if not BOARD_TOKEN.match(token):
        raise InvalidValue("token must be 1-100 letters, digits, '.', '_' or '-' (the board's name in its URL)")


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
    radius_km: int | None = None  # also jobs this close to a named city (where both have coordinates)
    remote_strict: bool = False  # the remote/on-site wish removes other jobs instead of ranking them lower

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
        if self.radius_km is not None and not 1 <= self.radius_km <= MAX_RADIUS_KM:
            raise InvalidValue(f"radius_km must be between 1 and {MAX_RADIUS_KM}")
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
        object.__setattr__(self, "countries", tuple(dict.fromkeys(c.lower() for c in countries)))  # "GB" and "gb" are one

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class AutoApplySettings:
    """The candidate's automation (see domain/automation.py): a mode, a strategy, and any of
    the strategy's levels the candidate overrides (``None``: the strategy's value holds)."""

    mode: str = "off"
    strategy: str = DEFAULT_STRATEGY
    min_score_override: int | None = None
    daily_cap_override: int | None = None
    strict_filters_override: bool | None = None
    company_limit_override: int | None = None

    def __post_init__(self) -> None:
        check_mode(self.mode)
        check_strategy(self.strategy)
        check_min_score(self.min_score_override)
        check_daily_cap(self.daily_cap_override)
        check_company_limit(self.company_limit_override)

    @property
    def enabled(self) -> bool:
        """Whether Jobraker may send applications for the candidate (with or without asking)."""
        return self.mode in SENDING_MODES

    @property
    def min_score(self) -> int:
        return _or(self.min_score_override, STRATEGIES[self.strategy].min_score)

    @property
    def daily_cap(self) -> int:
        return _or(self.daily_cap_override, STRATEGIES[self.strategy].daily_cap)

    @property
    def strict_filters(self) -> bool:
        return _or(self.strict_filters_override, STRATEGIES[self.strategy].strict_filters)

    @property
    def company_limit(self) -> int:
        """At most this many applications to one company in PACING_WINDOW (domain/pacing.py)."""
        return _or(self.company_limit_override, STRATEGIES[self.strategy].company_limit)

    def effective(self) -> dict[str, Any]:
        """What every decision event records: the mode, the strategy and the values in force."""
        overridden = [name for name in LEVEL_NAMES if getattr(self, f"{name}_override") is not None]
        return {
            "mode": self.mode, "strategy": self.strategy, "min_score": self.min_score,
            "daily_cap": self.daily_cap, "strict_filters": self.strict_filters,
            "company_limit": self.company_limit, "overridden": overridden,
        }


def _or(override: T | None, default: T) -> T:
    return default if override is None else override


@dataclass(frozen=True)
class Resume:
    id: UUID
    filename: str | Erased  # personal: ERASED when replayed after the candidate's key is destroyed
    content_type: str
    size: int
    text: str | Erased  # personal, likewise


@dataclass
class Consent:
    version: str | Erased  # ERASED once the candidate is erased
    given: bool


def _restore(cls: type[T], value: dict[str, Any] | Erased) -> T | Erased:
    """A value object from its stored dict; erased personal data restores as ERASED."""
    if isinstance(value, Erased):  # ERASED is Erased's only instance
        return ERASED
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in value.items()})


class Candidate(Aggregate):
    """A candidate's lifecycle. Personal fields are encrypted with the candidate's own key."""

    class Registered(Aggregate.Created):
        """Version 2 added ``address_verified``: a new registration starts unverified. Candidates
        registered before addresses were verified keep what they could do (read as verified)."""

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["address_verified"] = True

        email: Personal[str]
        name: Personal[str]
        password_hash: Personal[str]
        address_verified: bool

    class AddressVerified(Aggregate.Event):
        """The candidate opened the verification link sent to their e-mail address."""

    class RegistrationAttempted(Aggregate.Event):
        """Someone tried to register the candidate's address again; the candidate is told by
        e-mail (the registration's answer says nothing about it)."""

    class ProfileChanged(Aggregate.Event):
        profile: Personal[dict[str, Any]]

    class PreferencesChanged(Aggregate.Event):
        preferences: Personal[dict[str, Any]]

    class ConsentGiven(Aggregate.Event):
        kind: str
        version: Personal[str]  # typed by the client, so sealed (older events: plaintext, still load)

    class ConsentWithdrawn(Aggregate.Event):
        kind: str

    class AutoApplySettingsChanged(Aggregate.Event):
        """Version 2 replaced the on/off switch with the automation mode, and the fixed
        minimum score and daily cap with a strategy whose levels the candidate may override.
        Version 3 added the company limit's override (older events: none, the strategy's holds)."""

        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Auto-apply "off" never recorded matches, so it reads as mode off (not suggest);
            # "on" sent without asking: mode full. A value that was not the old default is an override.
            state["mode"] = "full" if state.pop("enabled") else "off"
            state["strategy"] = "balanced"
            min_score, daily_cap = state.pop("min_score"), state.pop("daily_cap")
            state["min_score_override"] = None if min_score == LEGACY_MIN_SCORE else min_score
            state["daily_cap_override"] = None if daily_cap == LEGACY_DAILY_CAP else daily_cap
            state["strict_filters_override"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["company_limit_override"] = None

        mode: str
        strategy: str
        min_score_override: int | None
        daily_cap_override: int | None
        strict_filters_override: bool | None
        company_limit_override: int | None

    class ResumeUploaded(Aggregate.Event):
        resume_id: UUID
        filename: Personal[str]
        content_type: str
        size: int
        text: Personal[str]

    class ResumeDeleted(Aggregate.Event):
        resume_id: UUID

    class BoardFollowed(Aggregate.Event):
        """The candidate asked for an employer's own job board to be fetched (Greenhouse, Lever
        or Ashby). Which companies someone follows is theirs: the board's token and the company
        name they gave are sealed."""

        source: str
        token: Personal[str]
        company: Personal[str]

    class BoardUnfollowed(Aggregate.Event):
        source: str
        token: Personal[str]

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
    def register(
        cls, id: UUID, email: str, name: str, password_hash: str, address_verified: bool = False
    ) -> Candidate:
        if "@" not in email:
            raise InvalidValue("email must be an e-mail address")
        return cls(
            id=id,
            email=clean_text("email", email, max_length=254),
            name=clean_text("name", name, max_length=200),
            password_hash=password_hash,
            address_verified=address_verified,
        )

    @event(Registered)
    def __init__(
        self, id: UUID, email: str | Erased, name: str | Erased, password_hash: str | Erased, address_verified: bool = False
    ) -> None:
        # Personal data: each reads as ERASED once the candidate is erased.
        self.email: str | Erased = email
        self.name: str | Erased = name
        self.password_hash: str | Erased = password_hash
        self.address_verified = address_verified
        self.profile: Profile | Erased = Profile()
        self.preferences: Preferences | Erased = Preferences()
        self.consents: dict[str, Consent] = {}
        self.auto_apply = AutoApplySettings()
        self.resume: Resume | None = None
        self.followed_boards: dict[tuple[str, str], str] = {}  # (source, token) -> company
        self.is_active = True
        self.is_erased = False
        self.erasure_requested = False

    # Commands: check the rules, then record the event.

    def change_profile(self, profile: Profile) -> None:
        self._require_active("change the profile")
        # Checked on the command, not in Profile: an old event with a since-withdrawn code must replay.
        if not known_currency(profile.salary_currency):
            raise InvalidValue(f"salary_currency {profile.salary_currency} is not an ISO 4217 currency code")
        if profile != self.profile:
            self._profile_changed(profile=profile.as_dict())

    def change_preferences(self, preferences: Preferences) -> None:
        self._require_active("change preferences")
        unknown = [c for c in preferences.countries if not known_country(c)]
        if unknown:
            raise InvalidValue(f"countries {', '.join(unknown)} are not ISO 3166 country codes")
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
                # Without consent nothing may be sent; matches may still be suggested.
                self._record_auto_apply(replace(self.auto_apply, mode="suggest"))

    def verify_address(self) -> None:
        self._require_active("verify the e-mail address")
        if not self.address_verified:
            self._address_verified()

    def note_registration_attempt(self) -> None:
        if not self.is_erased:
            self._registration_attempted()

    def change_auto_apply(self, settings: AutoApplySettings) -> None:
        self._require_active("change auto-apply settings")
        if settings.enabled and not self.address_verified:
            raise IllegalTransition("switch auto-apply on", UNVERIFIED)
        if settings.enabled and not self.has_consent("auto_apply"):
            raise IllegalTransition("switch auto-apply on", "auto-apply consent has not been given")
        if settings != self.auto_apply:
            self._record_auto_apply(settings)

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

    def follow_board(self, source: str, token: str, company: str) -> None:
        """Following a board already followed changes nothing."""
        self._require_active("follow a job board")
        _choice("source", source, BOARD_SOURCES)
        check_board_token(token)
        company = clean_text("company", company, max_length=300) if company.strip() else token
        if (source, token) in self.followed_boards:
            return
        if len(self.followed_boards) >= MAX_FOLLOWED_BOARDS:
            raise IllegalTransition("follow a job board", f"{MAX_FOLLOWED_BOARDS} boards are followed already")
        self._board_followed(source=source, token=token, company=company)

    def unfollow_board(self, source: str, token: str) -> None:
        if (source, token) not in self.followed_boards:
            raise IllegalTransition("stop following a job board", "this board is not followed")
        self._board_unfollowed(source=source, token=token)

    def deactivate(self) -> None:
        self._require_active("deactivate")
        if self.auto_apply.mode != "off":
            self._record_auto_apply(replace(self.auto_apply, mode="off"))
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

    @event(AddressVerified)
    def _address_verified(self) -> None:
        self.address_verified = True

    @event(RegistrationAttempted)
    def _registration_attempted(self) -> None:
        pass

    @event(ProfileChanged)
    def _profile_changed(self, profile: dict[str, Any] | Erased) -> None:
        self.profile = _restore(Profile, profile)

    @event(PreferencesChanged)
    def _preferences_changed(self, preferences: dict[str, Any] | Erased) -> None:
        self.preferences = _restore(Preferences, preferences)

    @event(ConsentGiven)
    def _consent_given(self, kind: str, version: str | Erased) -> None:
        self.consents[kind] = Consent(version=version, given=True)

    @event(ConsentWithdrawn)
    def _consent_withdrawn(self, kind: str) -> None:
        self.consents[kind] = Consent(version=self.consents[kind].version, given=False)

    def _record_auto_apply(self, settings: AutoApplySettings) -> None:
        self._auto_apply_changed(**asdict(settings))

    @event(AutoApplySettingsChanged)
    def _auto_apply_changed(
        self, mode: str, strategy: str, min_score_override: int | None, daily_cap_override: int | None,
        strict_filters_override: bool | None, company_limit_override: int | None = None,
    ) -> None:
        self.auto_apply = AutoApplySettings(
            mode, strategy, min_score_override, daily_cap_override, strict_filters_override, company_limit_override
        )

    @event(ResumeUploaded)
    def _resume_uploaded(
        self, resume_id: UUID, filename: str | Erased, content_type: str, size: int, text: str | Erased
    ) -> None:
        self.resume = Resume(resume_id, filename, content_type, size, text)

    @event(ResumeDeleted)
    def _resume_deleted(self, resume_id: UUID) -> None:
        self.resume = None

    @event(BoardFollowed)
    def _board_followed(self, source: str, token: str | Erased, company: str | Erased) -> None:
        if token is not ERASED:  # replayed after an erasure: nothing of it is left to hold
            self.followed_boards[source, str(token)] = str(company)

    @event(BoardUnfollowed)
    def _board_unfollowed(self, source: str, token: str | Erased) -> None:
        self.followed_boards.pop((source, str(token)), None)

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
        # The version a candidate typed is personal (sealed); whether consent was given is not.
        self.consents = {kind: replace(consent, version=ERASED) for kind, consent in self.consents.items()}
        self.resume = None
        self.followed_boards = {}
        self.auto_apply = replace(self.auto_apply, mode="off")
        self.is_active = False
        self.is_erased = True

    def _require_active(self, action: str) -> None:
        if self.is_erased:
            raise IllegalTransition(action, "the candidate is erased")
        if not self.is_active:
            raise IllegalTransition(action, "the candidate is deactivated")
