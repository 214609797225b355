"""The application service: every command Jobraker accepts, each one a small transaction.

The commands live by aggregate family in ``domain/commands/`` on one base that loads, checks
the caller's version, runs the business method, saves and returns the position of the last
stored event (a client can ask a later read to wait until the projections have caught up).
"""

from __future__ import annotations

from jobraker.domain.commands.accountability import AccountabilityCommands
from jobraker.domain.commands.alerts import AlertCommands
from jobraker.domain.commands.answers import AnswerCommands
from jobraker.domain.commands.conversations import ConversationCommands
from jobraker.domain.commands.notifications import NotificationCommands


class Jobraker(AnswerCommands, ConversationCommands, NotificationCommands, AlertCommands, AccountabilityCommands):
    """Jobraker's write side: commands in, events stored. Answers build on applications, which
    build on candidates and jobs (``domain/commands/``)."""

    name = "jobraker"
