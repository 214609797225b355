"""The Operations page's queue actions: retry or drop a queue's dead letters (staff only),
each recorded in the event log as a staff action."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from jobraker.accounts.roles import is_staff_member
from jobraker.api.admin_views import admin_view_for
from jobraker.eventstore.app import get_jobraker
from jobraker.eventstore.context import acting_as
from jobraker.workers import queues
from jobraker.workers.broker import broker

ACTIONS: dict[str, Callable[..., int]] = {
    "retry": queues.retry_dead_letters,
    "drop": queues.drop_dead_letters,
}


@admin_view_for(is_staff_member)  # auditors reach the admin to read streams, not to act
@require_POST
def dead_letters_view(request: HttpRequest, queue: str) -> HttpResponse:
    action = request.POST.get("action", "")
    the_broker = broker()
    if action not in ACTIONS or not queues.is_queue(the_broker, queue):
        messages.error(request, "Name a queue and an action (retry or drop).")
        return redirect("admin-operations")
    count = ACTIONS[action](the_broker, queue)
    with acting_as("staff"):
        get_jobraker().record_staff_action(request.user.id, request.user.role, f"{action}_dead_letters", queue, count)
    verb = "put back on" if action == "retry" else "dropped from"
    messages.success(request, f"{count} dead letter(s) {verb} {queue}.")
    return redirect("admin-operations")
