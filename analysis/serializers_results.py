"""Input and output of the results API (``analysis.api_results``)."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from analysis.results import ResultFilters


class ResultsFilterInputSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="First submission date to include (YYYY-MM-DD).")
    date_to = serializers.DateField(required=False, help_text="Last submission date to include (YYYY-MM-DD).")
    collector = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only this collector's responses."
    )
    segment = serializers.ListField(
        child=serializers.CharField(max_length=140),
        required=False,
        help_text="Only respondents whose answer to a choice question is one of these: `question_key:code`, "
        "repeatable with the same question key.",
    )
    breakdown = serializers.CharField(
        required=False, max_length=64, help_text="A single-choice question key to break every result down by."
    )
    include_partial = serializers.BooleanField(required=False, default=False)
    weighted = serializers.BooleanField(required=False, default=False)

    def validate_segment(self, value: list[str]) -> list[tuple[str, str]]:
        pairs = []
        for item in value:
            key, sep, code = item.partition(":")
            if not sep or not key or not code:
                raise serializers.ValidationError(_("Write each segment as question_key:code."))
            pairs.append((key, code))
        if len({key for key, _code in pairs}) > 1:
            raise serializers.ValidationError(_("All segment answers must belong to one question."))
        return pairs

    def to_filters(self) -> ResultFilters:
        data: dict[str, Any] = self.validated_data
        pairs = data.get("segment") or []
        return ResultFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            collector_id=data.get("collector"),
            segment_key=pairs[0][0] if pairs else "",
            segment_values=tuple(code for _key, code in pairs),
            include_partial=data["include_partial"],
            weighted=data["weighted"],
            breakdown_key=data.get("breakdown", ""),
        )


class TextOutputSerializer(serializers.Serializer):
    vi = serializers.CharField()
    en = serializers.CharField()


class ShareOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = TextOutputSerializer()
    count = serializers.IntegerField()
    weighted_count = serializers.FloatField()
    share = serializers.FloatField(help_text="From 0 to 1.")
    margin_of_error = serializers.FloatField(allow_null=True)
    lower = serializers.FloatField(allow_null=True)
    upper = serializers.FloatField(allow_null=True)


class EstimateOutputSerializer(serializers.Serializer):
    mean = serializers.FloatField()
    median = serializers.FloatField()
    standard_deviation = serializers.FloatField(allow_null=True)
    margin_of_error = serializers.FloatField(allow_null=True)
    lower = serializers.FloatField(allow_null=True)
    upper = serializers.FloatField(allow_null=True)
    minimum = serializers.FloatField()
    maximum = serializers.FloatField()


class NetPromoterScoreOutputSerializer(serializers.Serializer):
    promoters = ShareOutputSerializer()
    passives = ShareOutputSerializer()
    detractors = ShareOutputSerializer()
    score = serializers.FloatField(help_text="From −100 to 100.")
    standard_error = serializers.FloatField()
    margin_of_error = serializers.FloatField()
    lower = serializers.FloatField()
    upper = serializers.FloatField()


class MatrixRowOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = TextOutputSerializer()
    n = serializers.IntegerField()
    effective_n = serializers.FloatField()
    not_applicable = serializers.IntegerField()
    shares = ShareOutputSerializer(many=True)
    estimate = EstimateOutputSerializer(allow_null=True)
    mean_basis = serializers.ChoiceField(choices=["code", "position"])


class RankedItemOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = TextOutputSerializer()
    n = serializers.IntegerField()
    mean_rank = serializers.FloatField(allow_null=True)
    first_place = ShareOutputSerializer()


class QuestionSummaryOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.CharField()
    text = TextOutputSerializer()
    n = serializers.IntegerField(help_text="Responses with a usable answer.")
    base = serializers.IntegerField(help_text="Responses considered (answered or not).")
    n_invalid = serializers.IntegerField(help_text="Answers that do not fit the question, left out.")
    is_weighted = serializers.BooleanField()
    weighted_n = serializers.FloatField()
    effective_n = serializers.FloatField(help_text="Kish's effective sample size of those who answered.")
    design_effect = serializers.FloatField()
    method = serializers.CharField()
    confidence_level = serializers.FloatField()
    shares = ShareOutputSerializer(many=True)
    estimate = EstimateOutputSerializer(allow_null=True)
    nps = NetPromoterScoreOutputSerializer(allow_null=True)
    rows = MatrixRowOutputSerializer(many=True)
    ranks = RankedItemOutputSerializer(many=True)
    not_applicable = serializers.IntegerField()
    other_count = serializers.IntegerField()
    other_texts = serializers.ListField(child=serializers.CharField())
    first_date = serializers.CharField(allow_null=True)
    last_date = serializers.CharField(allow_null=True)


class SegmentOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = TextOutputSerializer()
    n = serializers.IntegerField(source="precision.n")
    margin_of_error = serializers.FloatField(source="precision.margin_of_error", allow_null=True)
    is_too_small = serializers.BooleanField(source="precision.is_too_small")
    reason = serializers.SerializerMethodField()
    summary = QuestionSummaryOutputSerializer()

    def get_reason(self, segment: Any) -> str:
        reason = segment.precision.reason
        return reason.render(_) if reason is not None else ""


class BreakdownOutputSerializer(serializers.Serializer):
    segment_key = serializers.CharField()
    segment_text = TextOutputSerializer()
    unsegmented = serializers.IntegerField()
    segments = SegmentOutputSerializer(many=True)


class WeightingStateOutputSerializer(serializers.Serializer):
    is_available = serializers.BooleanField()
    is_applied = serializers.BooleanField()
    run_finished_at = serializers.DateTimeField(allow_null=True)
    unweighted_count = serializers.IntegerField(help_text="Responses left out of weighted results: no weight.")
    excluded_count = serializers.IntegerField(help_text="Responses left out of weighted results: weight 0.")
    is_discarded = serializers.BooleanField(
        help_text="An analyst discarded the survey's weights: results are unweighted until a new weighting run."
    )


class QuestionResultOutputSerializer(QuestionSummaryOutputSerializer):
    breakdown = BreakdownOutputSerializer(allow_null=True)


class SurveyResultsOutputSerializer(serializers.Serializer):
    survey = serializers.CharField(help_text="The survey's slug.")
    version = serializers.IntegerField(allow_null=True, help_text="The latest published version, for the labels.")
    response_count = serializers.IntegerField()
    include_partial = serializers.BooleanField()
    weighting = WeightingStateOutputSerializer()
    questions = QuestionResultOutputSerializer(many=True)


def results_data(results: Any) -> dict[str, Any]:
    """Return the plain data SurveyResultsOutputSerializer renders."""
    questions = []
    for summary in results.summaries:
        data = QuestionSummaryOutputSerializer(summary).data
        breakdown = results.breakdowns.get(summary.key)
        data["breakdown"] = BreakdownOutputSerializer(breakdown).data if breakdown is not None else None
        questions.append(data)
    return {
        "survey": results.survey.slug,
        "version": results.version_number,
        "response_count": results.response_count,
        "include_partial": results.filters.include_partial,
        "weighting": WeightingStateOutputSerializer(results.weighting).data,
        "questions": questions,
    }
