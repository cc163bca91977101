"""Serializers of the export API: the analyst's choices in, the export job (status, progress, file) out."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analysis.export import ExportFormat
from analysis.models import ExportJob


class ExportInputSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(ExportFormat.ALL), default=ExportFormat.XLSX)
    codes = serializers.BooleanField(default=False, help_text="Option codes instead of labels.")
    language = serializers.ChoiceField(choices=["vi", "en"], default="vi", help_text="Language of labels.")
    weighted = serializers.BooleanField(default=False, help_text="Add the weights; weight the summaries.")
    completed_only = serializers.BooleanField(default=False, help_text="Leave out partial responses.")
    date_from = serializers.DateField(required=False, allow_null=True, help_text="First answer date, inclusive.")
    date_to = serializers.DateField(required=False, allow_null=True, help_text="Last answer date, inclusive.")
    collector = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    segment = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Keep responses whose answer to this question…"
    )
    segment_values = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        max_length=100,
        help_text="…is (or includes) one of these option codes.",
    )


class ExportJobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.CharField(source="survey.slug")
    format = serializers.CharField(help_text="xlsx, csv or sav.")
    options = serializers.JSONField(help_text="The choices the export was made with.")
    status = serializers.CharField(help_text="queued, running, succeeded or failed.")
    progress = serializers.IntegerField(help_text="Percent done.")
    size = serializers.IntegerField(help_text="Bytes.")
    response_count = serializers.IntegerField()
    error = serializers.CharField(help_text="Why the export failed.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="The file is deleted after this.")
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.SUCCEEDED or not job.file or job.is_expired():
            return None
        return reverse("analysis:export-download", kwargs={"job_id": job.id})
