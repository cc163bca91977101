"""Serializers of the insight API: analysis runs, insights with their evidence, workflow inputs, crosstabs."""

from django.utils import translation
from rest_framework import serializers

from analysis import services_insights
from analysis.models import AnalysisRun, Benchmark, Insight, InsightEvent

TEXT_LIMIT = services_insights.MAX_TEXT


def _language() -> str:
    return (translation.get_language() or "vi")[:2]


class AnalysisRunInputSerializer(serializers.Serializer):
    alpha = serializers.FloatField(
        required=False, min_value=0.0001, max_value=0.4999, help_text="False-discovery rate (0.05)."
    )
    min_group_n = serializers.IntegerField(
        required=False, min_value=2, max_value=100_000, help_text="Minimum answers per group (30)."
    )
    min_effect_size = serializers.FloatField(
        required=False, min_value=0, max_value=5, help_text="Minimum Cohen's d or h (0.2)."
    )
    min_driver_correlation = serializers.FloatField(
        required=False, min_value=0, max_value=0.999, help_text="Minimum |Spearman ρ| of a KPI driver (0.2)."
    )
    weighted = serializers.BooleanField(
        required=False, default=True, help_text="Use the survey's weights when it has them."
    )


class AnalysisRunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.CharField(source="survey.slug")
    status = serializers.CharField(help_text="queued, running, succeeded or failed.")
    progress = serializers.IntegerField(help_text="Percent done.")
    error = serializers.SerializerMethodField(help_text="Why the run failed, in the request's language.")
    settings = serializers.JSONField(source="options", help_text="alpha, min_group_n, min_effect_size, …")
    is_weighted = serializers.BooleanField()
    response_count = serializers.IntegerField()
    candidate_count = serializers.IntegerField()
    family_sizes = serializers.DictField(child=serializers.IntegerField(), help_text="Tests per family.")
    warnings = serializers.SerializerMethodField(help_text="In the request's language.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_error(self, run: AnalysisRun) -> str:
        return services_insights.render_run_error(run)

    def get_warnings(self, run: AnalysisRun) -> list[str]:
        return [services_insights.render_warning(w) for w in run.warnings]


class ValidationPlanOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="ab_test or follow_up_survey.")
    parameters = serializers.JSONField(help_text="test, p1/p2 or effect_size, alpha, power, achieved_power.")
    n_per_group = serializers.IntegerField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()


class InsightEventOutputSerializer(serializers.Serializer):
    event = serializers.CharField(help_text="created, transition, tracking, refreshed or dropped.")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    actor = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_actor(self, event: InsightEvent) -> str | None:
        return event.actor.get_username() if event.actor else None


class InsightOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.CharField(source="survey.slug")
    fingerprint = serializers.CharField(help_text="Stable across re-runs: kind, question, answer level, segment.")
    kind = serializers.CharField(
        help_text="segment_difference, theme_concentration, kpi_driver, wave_change (since the previous wave) or "
        "benchmark_gap (against a benchmark entered)."
    )
    question = serializers.CharField(source="question_key")
    segment_variable = serializers.CharField(allow_null=True)
    segment = serializers.IntegerField(allow_null=True)
    segment_label = serializers.SerializerMethodField()
    answer_level = serializers.IntegerField(allow_null=True)
    kpi = serializers.CharField(source="kpi_key")
    direction = serializers.CharField(help_text="higher or lower.")
    statement = serializers.SerializerMethodField(help_text="In the request's language.")
    statement_vi = serializers.CharField()
    statement_en = serializers.CharField()
    evidence = serializers.JSONField(
        help_text="test, n per group (and effective n), estimates, difference with its interval, effect size, "
        "p, q, family and its size, weighted or not."
    )
    criteria = serializers.JSONField(help_text="validated, surprising, specific, actionable, clear: value and reason.")
    caveats = serializers.JSONField()
    quotes = serializers.ListField(child=serializers.CharField())
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    is_current = serializers.BooleanField(help_text="Found by the latest analysis run.")
    status = serializers.CharField(help_text="candidate, accepted, rejected, validating, confirmed or refuted.")
    reason = serializers.CharField()
    impact = serializers.CharField(help_text="low, medium, high or empty.")
    effort = serializers.CharField(help_text="low, medium, high or empty.")
    metric = serializers.CharField()
    action = serializers.CharField()
    expected_result = serializers.CharField()
    actual_result = serializers.CharField()
    validation_plans = ValidationPlanOutputSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_segment_label(self, insight: Insight) -> str:
        return insight.segment_label_vi if _language() == "vi" else insight.segment_label_en

    def get_statement(self, insight: Insight) -> str:
        return insight.statement(_language())

    def to_representation(self, instance: Insight) -> dict:
        data = super().to_representation(instance)
        data["segment_variable"] = instance.segment_variable or None
        return data


class InsightDetailOutputSerializer(InsightOutputSerializer):
    events = InsightEventOutputSerializer(many=True)


class InsightTransitionInputSerializer(serializers.Serializer):
    status = serializers.CharField(
        max_length=20,
        help_text="accepted, rejected (reason required), validating (plan_kind required), confirmed, refuted, "
        "candidate (reopen a rejected insight).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT, default="")
    plan_kind = serializers.CharField(
        required=False, allow_null=True, max_length=20, help_text="ab_test or follow_up_survey (to validate)."
    )
    plan_notes = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT, default="")
    p1 = serializers.FloatField(required=False, min_value=0, max_value=1, help_text="Expected share, control.")
    p2 = serializers.FloatField(required=False, min_value=0, max_value=1, help_text="Expected share, variant.")
    effect_size = serializers.FloatField(required=False, min_value=0.001, max_value=10, help_text="Cohen's d.")
    alpha = serializers.FloatField(required=False, min_value=0.0001, max_value=0.5)
    power = serializers.FloatField(required=False, min_value=0.5, max_value=0.9999)


class InsightTrackingInputSerializer(serializers.Serializer):
    metric = serializers.CharField(required=False, allow_blank=True, max_length=services_insights.MAX_METRIC)
    action = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    expected_result = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    actual_result = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)
    impact = serializers.CharField(required=False, allow_blank=True, max_length=10, help_text="low, medium or high.")
    effort = serializers.CharField(required=False, allow_blank=True, max_length=10, help_text="low, medium or high.")


class ComparisonOutputSerializer(serializers.Serializer):
    segment_level = serializers.IntegerField()
    question_level = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    n_group = serializers.IntegerField()
    n_rest = serializers.IntegerField()
    estimate_group = serializers.FloatField()
    estimate_rest = serializers.FloatField()
    difference = serializers.FloatField()
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    test = serializers.CharField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    q_value = serializers.FloatField(allow_null=True)
    effect_size = serializers.FloatField(allow_null=True)
    significant = serializers.BooleanField()


class CrosstabOutputSerializer(serializers.Serializer):
    insight = serializers.IntegerField()
    question = serializers.CharField()
    segment_variable = serializers.CharField()
    measurement = serializers.CharField()
    question_levels = serializers.ListField(child=serializers.CharField())
    segment_levels = serializers.ListField(child=serializers.CharField())
    counts = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))
    unweighted_counts = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    n = serializers.IntegerField()
    is_weighted = serializers.BooleanField()
    test = serializers.CharField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    effect_size_name = serializers.CharField(allow_null=True)
    effect_size = serializers.FloatField(allow_null=True)
    not_testable = serializers.CharField(allow_null=True)
    comparisons = ComparisonOutputSerializer(many=True)


class BenchmarkOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.CharField(source="survey.slug")
    target = serializers.SerializerMethodField(help_text="variable|option, as in the targets list.")
    variable = serializers.CharField(help_text="The analysed variable's key (question, question.option, matrix.row).")
    option = serializers.CharField(help_text="The single-choice option's code for a share; empty otherwise.")
    estimate = serializers.CharField(help_text="share or mean.")
    segment = serializers.SerializerMethodField(help_text="segment_variable|segment_option, or null: everyone.")
    segment_variable = serializers.CharField()
    segment_option = serializers.CharField()
    value = serializers.SerializerMethodField(help_text="A share in percent (0–100), or the expected mean.")
    source = serializers.CharField(help_text="Where the expected value comes from.")
    created_at = serializers.DateTimeField()

    def get_target(self, benchmark: Benchmark) -> str:
        return f"{benchmark.variable}|{benchmark.option}"

    def get_segment(self, benchmark: Benchmark) -> str | None:
        return f"{benchmark.segment_variable}|{benchmark.segment_option}" if benchmark.segment_variable else None

    def get_value(self, benchmark: Benchmark) -> float:
        return round(benchmark.value * 100, 10) if benchmark.estimate == "share" else benchmark.value


class BenchmarkTargetOutputSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="Pass as target (or segment) when entering a benchmark.")
    label = serializers.CharField()
    estimate = serializers.CharField(required=False, help_text="share or mean.")
    low = serializers.FloatField(required=False)
    high = serializers.FloatField(required=False)


class BenchmarkListOutputSerializer(serializers.Serializer):
    benchmarks = BenchmarkOutputSerializer(many=True)
    targets = BenchmarkTargetOutputSerializer(many=True, help_text="What a benchmark can be entered for.")
    segments = BenchmarkTargetOutputSerializer(many=True, help_text="The segment groups it can be narrowed to.")


class BenchmarkInputSerializer(serializers.Serializer):
    target = serializers.CharField(max_length=600, help_text="variable|option from the targets list.")
    value = serializers.FloatField(help_text="A share in percent (0–100), or the expected mean score.")
    segment = serializers.CharField(
        required=False, allow_blank=True, max_length=600, default="", help_text="A segment group, or empty."
    )
    source = serializers.CharField(
        required=False, allow_blank=True, max_length=services_insights.MAX_METRIC, default=""
    )


class PreviousWaveOutputSerializer(serializers.Serializer):
    survey = serializers.CharField()
    previous = serializers.CharField(allow_null=True, help_text="The earlier survey's slug, or null.")
    previous_title = serializers.CharField(allow_null=True)
    choices = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="Surveys of the same workspace that can be linked: slug and title.",
    )


class PreviousWaveInputSerializer(serializers.Serializer):
    previous = serializers.CharField(
        allow_null=True, allow_blank=True, max_length=255, help_text="The earlier survey's slug; null or empty unlinks."
    )
