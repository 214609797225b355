"""The admin's stream viewer: an aggregate's events as a timeline (staff and auditors)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from jobraker.eventstore.app import get_jobraker


@staff_member_required
def stream_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    jobraker = get_jobraker()
    jobraker.record_access(pk, request.user.id, request.user.role, f"admin stream view {pk}")
    entries = []
    for stored in jobraker.recorder.select_events(pk):
        event = jobraker.mapper.to_domain_event(stored)
        meta = jobraker.mapper.metadata_of(stored)
        data = {k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version", "timestamp")}
        entries.append({"version": stored.originator_version, "type": type(event).__qualname__, "at": event.timestamp,
                        "actor": meta.get("actor"), "correlation_id": meta.get("correlation_id"), "data": data})
    context = {**admin.site.each_context(request), "title": f"Stream {pk}", "entries": entries, "stream": pk}
    return TemplateResponse(request, "jobraker/stream.html", context)
