"""Serializers of the audit log API (owners only; read-only)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from surveys import audit
from surveys.models import AuditEvent


class AuditFilterInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AuditEvent.Action.choices, required=False, help_text="Only this action.")
    actor = serializers.CharField(
        required=False, max_length=254, help_text="Only what this person did (their email address, any case)."
    )
    since = serializers.DateField(required=False, help_text="From this day on (in the workspace's time zone).")
    until = serializers.DateField(required=False, help_text="Up to and including this day.")

    def validate(self, attrs: dict) -> dict:
        if attrs.get("since") and attrs.get("until") and attrs["until"] < attrs["since"]:
            raise serializers.ValidationError({"until": [_("The end date must not be before the start date.")]})
        return attrs

    def filters(self) -> audit.Filters:
        data = self.validated_data
        return audit.Filters(
            action=data.get("action", ""), actor=data.get("actor", ""), since=data.get("since"), until=data.get("until")
        )


class AuditEventOutputSerializer(serializers.ModelSerializer):
    actor_id = serializers.IntegerField(
        allow_null=True, read_only=True, help_text="The acting user's id; null once the account is deleted."
    )
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    details = serializers.DictField(
        read_only=True, help_text="More about the action: a version number, an export format, the fields changed…"
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "action_label",
            "actor_id",
            "actor_email",
            "actor_name",
            "object_type",
            "object_id",
            "object_label",
            "details",
            "ip_address",
        ]
        read_only_fields = fields
