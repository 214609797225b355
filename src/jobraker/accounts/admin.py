"""simplejwt's token blacklist registers admin pages that list every refresh token in full:
whoever sees one can act as that candidate, around approval and the staff-access audit trail.
They are taken out; logout and rotation still blacklist tokens, and nobody reads them in a page.
(This app comes after ``token_blacklist`` in INSTALLED_APPS, so its admin is registered by now.)"""

from __future__ import annotations

from django.contrib import admin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

for model in (OutstandingToken, BlacklistedToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
