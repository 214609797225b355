"""Who read whose data, and what operators did to the system itself."""

from __future__ import annotations

from uuid import UUID

from jobraker.domain.access import DataAccess
from jobraker.domain.commands.base import CommandBase
from jobraker.domain.operations import StaffAction


class AccountabilityCommands(CommandBase):
    """Records of reads and of operators' actions."""

    def record_access(self, subject_id: UUID, reader_id: UUID, role: str, what: str) -> int:
        return self._save(DataAccess.record(subject_id, reader_id, role, what))

    def record_staff_action(self, staff_id: UUID, role: str, action: str, target: str, count: int) -> UUID:
        """An operator's action on the system itself (not on an aggregate with a command of its own)."""
        action_record = StaffAction.record(staff_id, role, action, target, count)
        self._save(action_record)
        return action_record.id
