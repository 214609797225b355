"""The admin's stream viewer: an aggregate's events as a timeline (staff and auditors)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from jobraker.audit.history import history
from jobraker.eventstore.app import get_jobraker


@staff_member_required
def stream_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    jobraker = get_jobraker()
    jobraker.record_access(pk, request.user.id, request.user.role, f"admin stream view {pk}")
    entries = history(jobraker, pk)
    context = {**admin.site.each_context(request), "title": f"Stream {pk}", "entries": entries, "stream": pk}
    return TemplateResponse(request, "jobraker/stream.html", context)


@staff_member_required
def operations_view(request: HttpRequest) -> HttpResponse:
    """The operator's dashboard: candidates, applications per status, Adzuna quota use,
    projection lag and queue lengths, whether Skyvern refused the key (sending stopped); and
    rebuilding a projection or resuming sending to Skyvern (POST)."""
    from django.contrib import messages
    from django.db.models import Count
    from django.shortcuts import redirect

    from jobraker.projections.base import ProjectionRunner
    from jobraker.projections.models import ApplicationRecord, CandidateRecord
    from jobraker.projections.registry import all_projections
    from jobraker.sources.factory import adzuna_quota
    from jobraker.workers.broker import broker

    from jobraker.appliers.halt import halt_report, lift
    from jobraker.workers.broker import redis_client

    runner = ProjectionRunner(get_jobraker(), all_projections())
    if request.method == "POST" and "lift_skyvern_halt" in request.POST:
        lift(redis_client())
        messages.success(request, "Sending to Skyvern resumed; queued applications go out again.")
        return redirect("admin-operations")
    if request.method == "POST":
        name = request.POST.get("rebuild", "")
        projection = next((p for p in runner.projections if p.name == name), None)
        if projection is None:
            messages.error(request, f"No projection named {name!r}.")
        else:
            applied = runner.rebuild(projection)
            messages.success(request, f"{name} rebuilt from {applied} events.")
        return redirect("admin-operations")
    the_broker = broker()
    queues = {queue: the_broker.client.llen(f"{the_broker.namespace}:{queue}") for queue in sorted(the_broker.get_declared_queues())}
    context = {
        **admin.site.each_context(request),
        "title": "Operations",
        "candidates": CandidateRecord.objects.count(),
        "applications": dict(ApplicationRecord.objects.values_list("status").annotate(n=Count("id")).order_by("status")),
        "quota": adzuna_quota().usage(),
        "projections": runner.status(),
        "queues": queues,
        "skyvern_halt": halt_report(redis_client()),
    }
    return TemplateResponse(request, "jobraker/operations.html", context)
