"""Staff acting on the running system rather than on a candidate's data (retrying or dropping
a queue's dead letters, say) leave a trace in the log like every other staff action."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event


class StaffAction(Aggregate):
    class Recorded(Aggregate.Created):
        staff_id: UUID
        role: str
        action: str
        target: str
        count: int

    @classmethod
    def record(cls, staff_id: UUID, role: str, action: str, target: str, count: int) -> StaffAction:
        return cls(id=uuid4(), staff_id=staff_id, role=role, action=action[:100], target=target[:200], count=count)

    @event(Recorded)
    def __init__(self, id: UUID, staff_id: UUID, role: str, action: str, target: str, count: int) -> None:
        self.staff_id = staff_id
        self.role = role
        self.action = action
        self.target = target
        self.count = count
