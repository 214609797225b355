"""The admin's stream viewer: an aggregate's events as a timeline (staff and auditors)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from jobraker.accounts.roles import is_auditor_or_staff, is_staff_member
from jobraker.audit.history import history
from jobraker.eventstore.app import get_jobraker

View = Callable[..., HttpResponse]


def admin_view_for(allowed: Callable[[Any], bool]) -> Callable[[View], View]:
    """Signed into the admin (else its login page), then the role check: 403 without it."""

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return staff_member_required(checked)

    return decorator


@admin_view_for(is_auditor_or_staff)
def stream_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    jobraker = get_jobraker()
    jobraker.record_access(pk, request.user.id, request.user.role, f"admin stream view {pk}")
    entries = history(jobraker, pk)
    context = {**admin.site.each_context(request), "title": f"Stream {pk}", "entries": entries, "stream": pk}
    return TemplateResponse(request, "jobraker/stream.html", context)


@admin_view_for(is_staff_member)
def operations_view(request: HttpRequest) -> HttpResponse:
    """The operator's dashboard: candidates, applications per status, Adzuna quota use,
    projection lag, failures and parked events, and queue lengths, whether Skyvern refused the key
    (sending stopped); and rebuilding a projection, retrying its parked events or resuming sending
    to Skyvern (POST)."""
    from django.contrib import messages
    from django.db.models import Count
    from django.shortcuts import redirect

    from jobraker.appliers.halt import halt_report, lift
    from jobraker.components import redis_client
    from jobraker.projections.base import ProjectionRunner
    from jobraker.projections.failures import open_parked
    from jobraker.projections.models import ApplicationRecord, CandidateRecord
    from jobraker.projections.registry import all_projections
    from jobraker.sources.factory import adzuna_quota
    from jobraker.workers.broker import broker
    from jobraker.workers.queues import queue_table
    from jobraker.workers.relay import relay_projections

    runner = ProjectionRunner(get_jobraker(), all_projections())
    relay = relay_projections()  # its parked events can be retried; it is never rebuilt
    if request.method == "POST" and "lift_skyvern_halt" in request.POST:
        lift(redis_client())
        messages.success(request, "Sending to Skyvern resumed; queued applications go out again.")
        return redirect("admin-operations")
    if request.method == "POST":
        _projection_action(request, runner, relay)
        return redirect("admin-operations")
    parked = list(open_parked([p.name for p in [*runner.projections, *relay]]))
    context = {
        **admin.site.each_context(request),
        "title": "Operations",
        "candidates": CandidateRecord.objects.count(),
        "applications": dict(ApplicationRecord.objects.values_list("status").annotate(n=Count("id")).order_by("status")),
        "quota": adzuna_quota().usage(),
        "projections": runner.status(),
        "parked": parked,
        "parked_projections": sorted({event.projection for event in parked}),
        "queues": queue_table(broker()),
        "skyvern_halt": halt_report(redis_client()),
        "funnel": _funnel_rows(),
    }
    return TemplateResponse(request, "jobraker/operations.html", context)


def _funnel_rows() -> list[tuple[str, str, dict[str, Any]]]:
    """Everyone's funnel, per listing source and per strategy (resumes are per candidate)."""
    from jobraker.projections.funnel import funnel
    from jobraker.projections.models import FunnelEntry

    result = funnel(FunnelEntry.objects.all())
    rows = [("all", "", result["all"])]
    for group in ("source", "strategy"):
        rows += [(group, key, summary) for key, summary in result[f"by_{group}"].items()]
    return rows


def _projection_action(request: HttpRequest, runner: Any, relay: list[Any]) -> None:
    """Rebuild a projection, or apply its parked events again (the relay's too), from the form."""
    from django.contrib import messages

    action = "retry" if "retry" in request.POST else "rebuild"
    name = request.POST.get(action, "")
    choices = [*runner.projections, *relay] if action == "retry" else runner.projections
    projection = next((p for p in choices if p.name == name), None)
    if projection is None:
        messages.error(request, f"No projection named {name!r}.")
    elif action == "retry":
        resolved, remaining = runner.retry_parked(projection)
        messages.success(request, f"{name}: {resolved} parked event(s) applied, {remaining} still parked.")
    else:
        applied = runner.rebuild(projection)
        messages.success(request, f"{name} rebuilt from {applied} events.")
