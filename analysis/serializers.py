"""Input and output shapes of the analysis API: target sets, survey mappings, representativeness, weighting."""

from rest_framework import serializers

from analysis import services
from analysis.models import CENSUS_2019_PRESET, SurveyTargetMapping, TargetVariable, WeightingRun


class TargetCategorySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    label_vi = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    label_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    value = serializers.FloatField(help_text="A share (the variable's shares add up to 1) or a count.")


class TargetVariableSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, help_text="sex, area, region, age or any lower-case name.")
    label_vi = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    label_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=TargetVariable.Kind.choices, default=TargetVariable.Kind.SHARES)
    categories = TargetCategorySerializer(many=True)


class TargetSetInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    source = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    variables = TargetVariableSerializer(many=True)


class TargetSetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    workspace = serializers.CharField(source="workspace.slug")
    name = serializers.CharField()
    source = serializers.CharField()
    notes = serializers.CharField()
    preset = serializers.CharField(allow_null=True)
    variables = TargetVariableSerializer(many=True, source="variables.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TargetSetUploadInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    source = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(
        help_text="CSV (UTF-8) or .xlsx with the columns variable, category, share or count, label_vi, label_en."
    )


class TargetSetPresetInputSerializer(serializers.Serializer):
    preset = serializers.ChoiceField(choices=[(CENSUS_2019_PRESET, "Viet Nam population (Census 2019)")])
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class VariableMappingSerializer(serializers.Serializer):
    question_key = serializers.CharField(
        max_length=64, allow_blank=True, help_text="The question measuring the variable; empty: not used."
    )
    recoding = serializers.DictField(
        child=serializers.CharField(allow_null=True, allow_blank=True),
        required=False,
        default=dict,
        help_text="Every answer option of the question → a target category code, or null to exclude it.",
    )


class TargetMappingInputSerializer(serializers.Serializer):
    target_set = serializers.IntegerField(help_text="The id of a target set of the survey's workspace.")
    unmatched_policy = serializers.ChoiceField(
        choices=SurveyTargetMapping.UnmatchedPolicy.choices, default=SurveyTargetMapping.UnmatchedPolicy.FAIL
    )
    variables = serializers.DictField(
        child=VariableMappingSerializer(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Keyed by target variable; omit to take the suggested mapping.",
    )


class TargetMappingOutputSerializer(serializers.Serializer):
    survey = serializers.CharField()
    target_set = serializers.IntegerField()
    unmatched_policy = serializers.ChoiceField(choices=SurveyTargetMapping.UnmatchedPolicy.choices)
    variables = serializers.DictField(child=VariableMappingSerializer())


class FitSerializer(serializers.Serializer):
    variable = serializers.CharField()
    n = serializers.FloatField(help_text="Respondents (before) or Kish's effective sample size (after).")
    degrees_of_freedom = serializers.IntegerField()
    chi_square = serializers.FloatField()
    chi_square_p_value = serializers.FloatField()
    g_statistic = serializers.FloatField()
    g_p_value = serializers.FloatField()
    cohens_w = serializers.FloatField()


class CategoryRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField()
    target_share = serializers.FloatField()
    difference = serializers.FloatField()
    standardised_difference = serializers.FloatField(allow_null=True)
    relative_difference = serializers.FloatField(allow_null=True)
    flag = serializers.CharField(help_text="under, over or empty.")
    weighted_share = serializers.FloatField(allow_null=True)


class UnmatchedSerializer(serializers.Serializer):
    missing = serializers.IntegerField()
    excluded = serializers.IntegerField()
    unknown = serializers.IntegerField()


class VariableReportSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    question_key = serializers.CharField()
    n = serializers.IntegerField()
    unmatched = UnmatchedSerializer()
    rows = CategoryRowSerializer(many=True)
    fit_before = FitSerializer(allow_null=True)
    fit_after = FitSerializer(allow_null=True)
    error = serializers.CharField()


class WeightingRunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.CharField(source="survey.slug")
    target_set = serializers.IntegerField(source="target_set_id", allow_null=True)
    status = serializers.ChoiceField(choices=WeightingRun.Status.choices)
    progress = serializers.IntegerField(help_text="Percent done.")
    error = serializers.SerializerMethodField(help_text="Why the run failed, in the request's language.")
    options = serializers.JSONField(help_text="lower_bound, upper_bound, tolerance, max_sweeps, unmatched_policy.")
    targets = serializers.JSONField(help_text="The mapped variables and target shares used.")
    diagnostics = serializers.JSONField(
        help_text="Design effect, effective n, weight percentiles, sweeps, errors, goodness of fit before and after."
    )
    weights_discarded = serializers.SerializerMethodField(
        help_text="Whether an analyst discarded this succeeded run's weights (it no longer weights anything)."
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_error(self, run: WeightingRun) -> str:
        return services.render_run_error(run)

    def get_weights_discarded(self, run: WeightingRun) -> bool:
        if run.status != WeightingRun.Status.SUCCEEDED:
            return False
        has_weights = getattr(run, "has_weights", None)  # annotated by the selectors
        return not (run.weights.exists() if has_weights is None else has_weights)


class RepresentativenessOutputSerializer(serializers.Serializer):
    survey = serializers.CharField()
    target_set = serializers.IntegerField(allow_null=True)
    n_finished = serializers.IntegerField()
    flag_standardised_difference = serializers.FloatField()
    flag_relative_difference = serializers.FloatField()
    variables = VariableReportSerializer(many=True)
    active_run = WeightingRunOutputSerializer(allow_null=True)
    weights_are_stale = serializers.BooleanField()
    weights_discarded = serializers.BooleanField(
        help_text="The latest succeeded run's weights were discarded: results are unweighted until a new run succeeds."
    )


class WeightingRunInputSerializer(serializers.Serializer):
    lower_bound = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1, default=None)
    upper_bound = serializers.FloatField(required=False, allow_null=True, min_value=1, default=None)


class ResponseWeightOutputSerializer(serializers.Serializer):
    response = serializers.IntegerField(source="response_id")
    weight = serializers.FloatField()
