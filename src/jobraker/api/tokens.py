"""JWTs that end when the account says so: a token version in every token.

Each access and refresh token carries the account's ``token_version`` (claim ``tv``).
Logout, a password change and erasure bump the version, and every request checks it, so
every token issued before stops working at once rather than when it expires. A refresh
token of an account that no longer exists (erased) answers 401."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import F
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

VERSION_CLAIM = "tv"


def end_all_tokens(account_id: UUID | str) -> None:
    """Every token issued to the account so far is refused from now on."""
    get_user_model().objects.filter(id=account_id).update(token_version=F("token_version") + 1)


def _is_current(token: Token, account: Any) -> bool:
    # Tokens issued before versions existed carry none: they count as version 0.
    return token.get(VERSION_CLAIM, 0) == account.token_version


class LoginSerializer(TokenObtainPairSerializer):
    """Log in with ``email`` and ``password`` (found by the address's blind index)."""

    username_field = "email"

    @classmethod
    def get_token(cls, user: Any) -> Token:
        token = super().get_token(user)
        token[VERSION_CLAIM] = user.token_version
        return token


class RefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])
        account = get_user_model().objects.filter(
            **{api_settings.USER_ID_FIELD: refresh.payload.get(api_settings.USER_ID_CLAIM)}
        ).first()
        if account is None or not account.is_active or not _is_current(refresh, account):
            raise AuthenticationFailed("This token is no longer valid.", "token_not_valid")
        return super().validate(attrs)


class LogoutSerializer(TokenBlacklistSerializer):
    """Blacklist the refresh token and end every access token of its account."""

    def validate(self, attrs: dict[str, Any]) -> dict[Any, Any]:
        refresh = self.token_class(attrs["refresh"])
        result = super().validate(attrs)
        end_all_tokens(refresh.payload[api_settings.USER_ID_CLAIM])
        return result


class VersionedJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Token) -> Any:
        account = super().get_user(validated_token)
        if not _is_current(validated_token, account):
            raise InvalidToken("This token is no longer valid (logged out, password changed or erased).")
        return account
