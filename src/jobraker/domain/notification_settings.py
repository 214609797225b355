"""What a candidate wants to be told, and how: e-mail on or off, the daily digest of new
matches, follow-up reminders. One stream per candidate; its id is derived from the
candidate's, so the first change creates it and a second creation is refused by the store."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

SETTINGS_NAMESPACE = uuid5(NAMESPACE_URL, "https://jobraker.dev/ns/notification-settings")
SWITCHES = ("email", "daily_digest", "follow_up_reminders")


def notification_settings_id(candidate_id: UUID) -> UUID:
    return uuid5(SETTINGS_NAMESPACE, str(candidate_id))


class NotificationSettings(Aggregate):
    """Every switch starts on; a candidate turns off what they do not want."""

    class Created(Aggregate.Created):
        candidate_id: UUID

    class Changed(Aggregate.Event):
        candidate_id: UUID
        email: bool
        daily_digest: bool
        follow_up_reminders: bool

    @staticmethod
    def create_id(candidate_id: UUID, **_: object) -> UUID:
        return notification_settings_id(candidate_id)

    @event(Created)
    def __init__(self, candidate_id: UUID) -> None:
        self.candidate_id = candidate_id
        self.email = True
        self.daily_digest = True
        self.follow_up_reminders = True

    def change(self, **switches: bool) -> None:
        """Record the switches given (unknown names are refused by the caller's serializer)."""
        merged = {name: bool(switches.get(name, getattr(self, name))) for name in SWITCHES}
        if merged != self.as_dict():
            self._changed(candidate_id=self.candidate_id, **merged)

    def as_dict(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in SWITCHES}

    @event(Changed)
    def _changed(self, candidate_id: UUID, email: bool, daily_digest: bool, follow_up_reminders: bool) -> None:
        self.email, self.daily_digest, self.follow_up_reminders = email, daily_digest, follow_up_reminders
