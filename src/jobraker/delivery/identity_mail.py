"""The e-mails of registration: the link that verifies a new address, and the note that tells
an account's owner someone tried to register their address. The registration's own answer is
the same in every case (api/candidate_views.py); only the owner of the address learns which.

A verification token is the candidate id signed with Django's signing (``SECRET_KEY``, its own
salt) and a timestamp; it is valid for ``JOBRAKER_VERIFICATION_LINK_HOURS``."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings as django_settings
from django.core import signing
from django.core.mail import EmailMessage

from jobraker.config import get_settings
from jobraker.delivery.email import absolute
from jobraker.delivery.outbox import SUBJECT_HEADER
from jobraker.domain.candidate import Candidate
from jobraker.domain.errors import NotFound
from jobraker.domain.service import Jobraker

SALT = "jobraker.address-verification"
VERIFY_PATH = "/api/v1/auth/verify"


class InvalidToken(Exception):
    """The token was tampered with, is for nothing, or has expired."""


def verification_token(candidate_id: UUID) -> str:
    return signing.dumps(str(candidate_id), salt=SALT)


def candidate_of(token: str) -> UUID:
    """The candidate a valid, unexpired token verifies."""
    max_age = get_settings().verification_link_hours * 3600
    try:
        return UUID(signing.loads(token, salt=SALT, max_age=max_age))
    except (signing.BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        raise InvalidToken() from None


def send_verification(jobraker: Jobraker, candidate_id: UUID) -> bool:
    candidate = _reachable(jobraker, candidate_id)
    if candidate is None or candidate.address_verified:
        return False
    link = absolute(f"{VERIFY_PATH}?token={verification_token(candidate_id)}")
    _send(
        candidate, "Confirm your e-mail address",
        f"Welcome to Jobraker. Open this link to confirm your address (valid for "
        f"{get_settings().verification_link_hours:g} hours):\n\n{link}\n\n"
        "You can sign in without confirming; sending applications for you needs a confirmed address.",
    )
    return True


def send_registration_attempt(jobraker: Jobraker, candidate_id: UUID) -> bool:
    candidate = _reachable(jobraker, candidate_id)
    if candidate is None:
        return False
    _send(
        candidate, "Someone tried to register with your address",
        "Someone just tried to create a Jobraker account with this e-mail address, which already "
        "has one. Nothing changed. If it was you, sign in instead (or reset your password); "
        "if not, you need do nothing.",
    )
    return True


def _reachable(jobraker: Jobraker, candidate_id: UUID) -> Candidate | None:
    try:
        candidate: Candidate = jobraker.get_candidate(candidate_id)
    except NotFound:
        return None
    return None if candidate.is_erased or not candidate.email else candidate


def _send(candidate: Candidate, subject: str, body: str) -> None:
    EmailMessage(
        subject=f"Jobraker: {subject}", body=body, from_email=django_settings.DEFAULT_FROM_EMAIL,
        to=[str(candidate.email)], headers={SUBJECT_HEADER: str(candidate.id)},  # filed by candidate: erasure removes it
    ).send(fail_silently=False)
