"""Input and output shapes of the responses API."""

import datetime as dt
from typing import Any

from django.core.validators import MinValueValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from responses.models import Collector, Invitation, Quota, Response

EARLIEST_DATE_TIME = MinValueValidator(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))


class CollectorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.CharField(source="survey.slug")
    kind = serializers.ChoiceField(choices=Collector.Kind.choices)
    slug = serializers.CharField()
    url = serializers.SerializerMethodField()
    name = serializers.CharField()
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    max_responses = serializers.IntegerField(allow_null=True)
    allow_multiple_per_browser = serializers.BooleanField()
    anonymous = serializers.BooleanField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="The link respondents open (public links)."))
    def get_url(self, collector: Collector) -> str | None:
        request = self.context.get("request")
        if collector.kind != Collector.Kind.PUBLIC or request is None:
            return None
        return request.build_absolute_uri(f"/r/{collector.slug}/")


class CollectorSettingsInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    # Bounded: dates centuries back have local-mean-time offsets that are not valid ISO 8601 on output, and
    # numbers past the column's range overflow the database.
    opens_at = serializers.DateTimeField(required=False, allow_null=True, validators=[EARLIEST_DATE_TIME])
    closes_at = serializers.DateTimeField(required=False, allow_null=True, validators=[EARLIEST_DATE_TIME])
    max_responses = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2_147_483_647)
    allow_multiple_per_browser = serializers.BooleanField(required=False)
    anonymous = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class CollectorCreateInputSerializer(CollectorSettingsInputSerializer):
    kind = serializers.ChoiceField(choices=Collector.Kind.choices, required=False, default=Collector.Kind.PUBLIC)


class QuotaOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    collector = serializers.IntegerField(source="collector_id", allow_null=True)
    question_key = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField())
    limit = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Finished responses counted in the quota so far.")


class QuotaInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    question_key = serializers.CharField(max_length=64)
    values = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1)
    limit = serializers.IntegerField(min_value=0)
    collector = serializers.IntegerField(
        required=False, allow_null=True, help_text="Limit to one collector's responses."
    )


class ResponseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(source="version.number")
    collector = serializers.IntegerField(source="collector_id", allow_null=True)
    source = serializers.ChoiceField(choices=Response.Source.choices)
    status = serializers.ChoiceField(choices=Response.Status.choices)
    flag_reasons = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField()
    answers = serializers.DictField(help_text="Answers keyed by question key (choice codes, numbers, text).")
    started_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.IntegerField(allow_null=True)


class ResponseFilterInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Response.Status.choices, required=False)


class PublicSubmissionInputSerializer(serializers.Serializer):
    submission_key = serializers.UUIDField(
        help_text="A UUID the client draws once per response and sends again on every retry."
    )
    answers = serializers.DictField(help_text="Answers keyed by question key, in the stored shapes.")
    language = serializers.ChoiceField(choices=[("vi", "vi"), ("en", "en")], required=False)
    started_at = serializers.DateTimeField(required=False, help_text="When the respondent began, if known.")

    def validate_answers(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > 2000:
            raise serializers.ValidationError("Too many answers.")
        return value


class PublicSubmissionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    submission_key = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Response.Status.choices)
    submitted_at = serializers.DateTimeField()
    created = serializers.BooleanField(help_text="False when this repeats a submission already stored.")


def quota_data(quota: Quota, count: int) -> dict[str, Any]:
    return QuotaOutputSerializer({**quota.__dict__, "collector_id": quota.collector_id, "count": count}).data


# --- invitations, QR codes, imports -------------------------------------------------------


class FileUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CSV (UTF-8) or Excel (.xlsx) file with one header row.")


class ContactUploadOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Invitations created, one per contact.")


@extend_schema_field({"type": "string", "enum": Invitation.Status.values})
class InvitationStatusField(serializers.ChoiceField):
    """An invitation's status, documented inline: "status" names other enums in the schema."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Invitation.Status.choices, **kwargs)


class InvitationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    language = serializers.CharField()
    extra = serializers.DictField(child=serializers.CharField(), help_text="The contact list's other columns.")
    status = InvitationStatusField()
    sent_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    reminded_at = serializers.DateTimeField(allow_null=True)
    reminder_count = serializers.IntegerField()
    last_error = serializers.CharField(help_text="Why the mail server refused the address (bounced).")


class InvitationFilterInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Invitation.Status.choices, required=False)


class InvitationSendInputSerializer(serializers.Serializer):
    invitation_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),  # larger ids overflow the database
        required=False,
        max_length=100_000,
        help_text="Only these invitations; all that qualify when left out.",
    )


class SendJobOutputSerializer(serializers.Serializer):
    task_id = serializers.CharField(help_text="Poll the progress endpoint with it.")
    total = serializers.IntegerField(help_text="Invitations in the batch.")
    is_reminder = serializers.BooleanField()


class SendProgressOutputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[(s, s) for s in ("pending", "progress", "done", "failed")])
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    sent = serializers.IntegerField()
    bounced = serializers.IntegerField()
    skipped = serializers.IntegerField()


class ResponseImportOutputSerializer(serializers.Serializer):
    imported = serializers.IntegerField(help_text="Responses stored.")
    collector = serializers.IntegerField(help_text="The id of the collector that holds them.")
