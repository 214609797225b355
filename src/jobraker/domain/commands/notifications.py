"""Notifications (sent once per cause) and the candidate's notification settings."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import IntegrityError

from jobraker.domain.commands.base import CommandBase
from jobraker.domain.errors import NotFound
from jobraker.domain.notification import Notification
from jobraker.domain.notification_settings import NotificationSettings, notification_settings_id


class NotificationCommands(CommandBase):
    """Notifications and their settings."""

    def send_notification(self, cause: str, candidate_id: UUID, kind: str, message: str, link: str = "") -> int:
        """Send a notification once per cause: a repeat (e.g. a redelivered message) records nothing."""
        try:
            return self._save(Notification.send(cause, candidate_id, kind, message, link))
        except IntegrityError:
            return 0

    def mark_notification_read(self, notification_id: UUID, candidate_id: UUID) -> int:
        def mark(notification: Notification) -> None:
            if notification.candidate_id != candidate_id:
                raise NotFound(notification_id)
            notification.mark_read()

        return self._update(notification_id, None, mark, kind=Notification)

    def get_notification_settings(self, candidate_id: UUID) -> NotificationSettings:
        """The candidate's settings; never changed means every switch on (an unsaved default)."""
        try:
            return self._get(notification_settings_id(candidate_id), kind=NotificationSettings)
        except NotFound:
            return NotificationSettings(candidate_id=candidate_id)

    def change_notification_settings(self, candidate_id: UUID, changes: dict[str, bool]) -> int:
        def change() -> int:
            settings = self.get_notification_settings(candidate_id)
            settings.change(**changes)
            return self._save(settings)

        return self._retrying(notification_settings_id(candidate_id), change)  # created or changed concurrently
