"""Who may do what: candidates act on their own data; staff and auditors read everything;
auditors change nothing."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from jobraker.accounts.models import Role
from jobraker.accounts.roles import is_auditor_or_staff, is_staff_member


def is_staff_or_auditor(request: Request) -> bool:
    return is_auditor_or_staff(request.user)


class IsCandidate(BasePermission):
    """Endpoints about "my" candidate record exist for candidates only."""

    message = "Only candidates have a candidate record."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.CANDIDATE)


class IsStaff(BasePermission):
    """Staff actions check the staff role itself (never ``is_staff``, which auditors may hold)."""

    message = "Staff only."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_staff_member(request.user)


class AuditorsOnlyRead(BasePermission):
    """Auditors may read anything and change nothing."""

    message = "Auditors have read-only access."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or request.user.role != Role.AUDITOR
