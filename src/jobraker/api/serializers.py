from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from jobraker.projections.models import CandidateRecord


class RegistrationSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, trim_whitespace=True)
    password = serializers.CharField(write_only=True, min_length=8, max_length=256, style={"input_type": "password"})

    def validate_password(self, value: str) -> str:
        validate_password(value)
        return value


class CommandAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    position = serializers.IntegerField(help_text="Event position; send as X-Min-Position to read your write.")


class CandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CandidateRecord
        fields = ["id", "email", "name", "registered_at", "version"]
