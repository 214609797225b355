"""Job alerts: a candidate's saved criteria, changed only by their owner or a signed link."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from jobraker.domain.alert import AlertCriteria, JobAlert, criteria_fields
from jobraker.domain.commands.base import CommandBase
from jobraker.domain.errors import NotFound


class AlertCommands(CommandBase):
    """Job alerts."""

    def create_alert(
        self, candidate_id: UUID, name: str, criteria: dict[str, Any], frequency: str
    ) -> tuple[UUID, int]:
        alert = JobAlert.create(candidate_id, name, AlertCriteria.from_dict(criteria), frequency)
        return alert.id, self._save(alert)

    def get_alert(self, alert_id: UUID, candidate_id: UUID | None = None) -> JobAlert:
        """The alert; to a candidate who does not own it, it does not exist."""
        alert = self._get(alert_id, kind=JobAlert)
        if candidate_id is not None and alert.candidate_id != candidate_id:
            raise NotFound(alert_id)
        return alert

    def change_alert(
        self, alert_id: UUID, candidate_id: UUID, changes: dict[str, Any], expected_version: int | None = None
    ) -> int:
        criteria = changes.get("criteria")

        def change(alert: JobAlert) -> None:
            self.get_alert(alert_id, candidate_id)  # ownership, checked on the state being changed
            merged = None if criteria is None else AlertCriteria.from_dict({**criteria_fields(alert.criteria), **criteria})
            alert.change(name=changes.get("name"), criteria=merged, frequency=changes.get("frequency"))

        return self._update(alert_id, expected_version, change, kind=JobAlert)

    def unsubscribe_alert(self, alert_id: UUID, via: str, candidate_id: UUID | None = None) -> int:
        """Unsubscribe by the owner (``candidate_id``) or by a signed link (no candidate given)."""
        self.get_alert(alert_id, candidate_id)
        return self._update(alert_id, None, lambda alert: alert.unsubscribe(via), kind=JobAlert)
