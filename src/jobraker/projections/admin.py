"""Staff admin over the read models: read-only; changes go through domain commands (actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from jobraker.accounts.roles import is_staff_member
from jobraker.projections.models import ApplicationRecord, CandidateRecord, JobRecord, NotificationRecord


class ReadOnly(admin.ModelAdmin):
    """Read models are written by projections only; staff may look. Auditors get into the admin
    (``is_staff``) for the stream viewer alone, so every check here asks for the staff role."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff_member(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff_member(request.user)

    def has_staff_action_permission(self, request: HttpRequest) -> bool:
        """Every admin action declares ``allowed_permissions=("staff_action",)`` and lands here."""
        return is_staff_member(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CandidateRecord)
class CandidateAdmin(ReadOnly):
    list_display = ["name", "registered_at", "is_active", "version", "stream"]
    search_fields = ["name"]  # the address is sealed: not searchable
    list_filter = ["is_active"]
    actions = ["export_data"]

    @admin.display(description="event stream")
    def stream(self, record: CandidateRecord) -> str:
        return format_html('<a href="{}">timeline</a>', reverse("admin-stream", args=[record.id]))

    @admin.action(description="Start a data export (GDPR request received by mail)", permissions=["staff_action"])
    def export_data(self, request: HttpRequest, queryset: Any) -> None:
        from uuid import uuid4

        from jobraker.eventstore.app import get_jobraker
        from jobraker.eventstore.context import acting_as
        from jobraker.privacy.models import DataExport

        with acting_as("staff"):
            for record in queryset:
                export_id = uuid4()
                DataExport.objects.create(id=export_id, candidate_id=record.id, requested_by="staff")
                get_jobraker().request_export(record.id, export_id, "staff")
        self.message_user(request, f"{queryset.count()} export(s) requested.", messages.SUCCESS)


@admin.register(ApplicationRecord)
class ApplicationAdmin(ReadOnly):
    list_display = ["id", "candidate_id", "status", "source", "score", "created_at", "updated_at"]
    list_filter = ["status", "source"]
    actions = ["withdraw"]

    @admin.action(description="Withdraw (as staff)", permissions=["staff_action"])
    def withdraw(self, request: HttpRequest, queryset: Any) -> None:
        from jobraker.domain.application import Actor
        from jobraker.domain.errors import DomainError
        from jobraker.eventstore.app import get_jobraker
        from jobraker.eventstore.context import acting_as

        done, refused = 0, []
        with acting_as("staff"):
            for record in queryset:
                try:
                    get_jobraker().move_application(record.id, "withdraw", Actor.STAFF)
                    done += 1
                except DomainError as exc:
                    refused.append(f"{record.id}: {exc}")
        self.message_user(request, f"{done} withdrawn." + (f" Refused: {'; '.join(refused)}" if refused else ""))


@admin.register(JobRecord)
class JobAdmin(ReadOnly):
    list_display = ["title", "company", "location", "country", "source", "posted_at", "is_expired"]
    list_filter = ["source", "is_expired", "remote", "country"]
    search_fields = ["title", "company"]
    exclude = ["search"]


@admin.register(NotificationRecord)
class NotificationAdmin(ReadOnly):
    list_display = ["candidate_id", "kind", "message", "created_at", "read_at"]
