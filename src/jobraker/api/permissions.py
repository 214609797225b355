"""Object-level access: a candidate sees only their own data; staff and auditors see all."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from jobraker.accounts.models import Role


def is_staff_or_auditor(request: Request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.role in (Role.STAFF, Role.AUDITOR))


class IsOwnerOrStaff(BasePermission):
    """Object permission; objects name their candidate in ``candidate_id`` or are the candidate."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        owner = getattr(obj, "candidate_id", getattr(obj, "id", None))
        return is_staff_or_auditor(request) or owner == request.user.id
