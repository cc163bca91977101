"""Population targets, their mapping onto a survey's questions, and weighting runs with their weights.

* A ``TargetSet`` belongs to a workspace: variables (sex, area, region, age or any custom one),
  each with categories and a share or a count per category. The Census 2019 preset is copied into
  a workspace as an ordinary target set (``preset`` remembers where it came from).
* A ``SurveyTargetMapping`` attaches one target set to a survey; each ``VariableMapping`` names the
  survey question that measures a target variable and recodes every answer option of that question
  into a target category, or explicitly excludes it (``None`` in ``recoding``). Options are never
  dropped silently: the mapping must list every option of the question.
* A ``WeightingRun`` is one raking of the survey's finished responses against the mapped targets;
  its weights are ``ResponseWeight`` rows (one per finished response at the time of the run,
  indexed by run) and its diagnostics a JSON document.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from responses.models import Response
from surveys.models import Survey, Workspace

CENSUS_2019_PRESET = "vietnam_census_2019"


class TargetSet(models.Model):
    class Preset(models.TextChoices):
        CENSUS_2019 = CENSUS_2019_PRESET, _("Viet Nam population (Census 2019)")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="target_sets")
    name = models.CharField(_("name"), max_length=120)
    source = models.CharField(_("source"), max_length=500, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    preset = models.CharField(max_length=40, choices=Preset.choices, null=True, blank=True)  # noqa: DJ001
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["workspace_id", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="target_set_name_unique")]

    def __str__(self) -> str:
        return self.name


class TargetVariable(models.Model):
    class Kind(models.TextChoices):
        SHARES = "shares", _("Shares")
        COUNTS = "counts", _("Counts")

    target_set = models.ForeignKey(TargetSet, on_delete=models.CASCADE, related_name="variables")
    name = models.CharField(_("variable"), max_length=64)  # sex, area, region, age or a custom name
    label_vi = models.CharField(max_length=200, blank=True, default="")
    label_en = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices, default=Kind.SHARES)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["target_set_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["target_set", "name"], name="target_variable_name_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["shares", "counts"]), name="target_variable_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return (self.label_vi if language == "vi" else self.label_en) or self.label_vi or self.label_en or self.name


class TargetCategory(models.Model):
    variable = models.ForeignKey(TargetVariable, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(_("category"), max_length=64)
    label_vi = models.CharField(max_length=200, blank=True, default="")
    label_en = models.CharField(max_length=200, blank=True, default="")
    value = models.FloatField(_("share or count"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["variable_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["variable", "code"], name="target_category_code_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="target_category_value_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code

    def label(self, language: str) -> str:
        return (self.label_vi if language == "vi" else self.label_en) or self.label_vi or self.label_en or self.code


class SurveyTargetMapping(models.Model):
    """The target set a survey is compared with, and what to do with respondents who fit no category."""

    class UnmatchedPolicy(models.TextChoices):
        # A respondent whose answer is missing or maps to an excluded option stops the run with an
        # error naming how many respondents and which variable ...
        FAIL = "fail", _("Stop with an error")
        # ... or, when the analyst chose so, gets weight 0 and is reported in the diagnostics.
        EXCLUDE = "exclude", _("Exclude them from weighting (weight 0)")

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="target_mapping")
    target_set = models.ForeignKey(TargetSet, on_delete=models.PROTECT, related_name="mappings")
    unmatched_policy = models.CharField(
        _("respondents without a target category"),
        max_length=8,
        choices=UnmatchedPolicy.choices,
        default=UnmatchedPolicy.FAIL,
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unmatched_policy__in=["fail", "exclude"]), name="target_mapping_policy_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.target_set}"


class VariableMapping(models.Model):
    """Which question measures a target variable and how its options recode into target categories.

    ``recoding`` maps every option code of the question to a target category code, or to ``None``
    when the option is explicitly excluded (for example "prefer not to say"). A variable without a
    question (``question_key`` empty) is not used for weighting.
    """

    mapping = models.ForeignKey(SurveyTargetMapping, on_delete=models.CASCADE, related_name="variables")
    target_variable = models.ForeignKey(TargetVariable, on_delete=models.CASCADE, related_name="survey_mappings")
    question_key = models.CharField(max_length=64, blank=True, default="")
    recoding = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["mapping_id", "target_variable__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mapping", "target_variable"], name="one_mapping_per_target_variable")
        ]

    def __str__(self) -> str:
        return f"{self.target_variable} ← {self.question_key or '-'}"

    @property
    def is_used(self) -> bool:
        return bool(self.question_key)


class WeightingRunQuerySet(models.QuerySet):
    def succeeded(self) -> "WeightingRunQuerySet":
        return self.filter(status=WeightingRun.Status.SUCCEEDED)


class WeightingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="weighting_runs")
    target_set = models.ForeignKey(TargetSet, on_delete=models.SET_NULL, null=True, related_name="runs")
    # What was raked: the mapped variables with their categories and target shares, frozen at creation.
    targets = models.JSONField(default=dict)
    options = models.JSONField(default=dict)  # lower_bound, upper_bound, tolerance, max_sweeps, unmatched_policy
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    error_message = models.TextField(blank=True, default="")  # English msgid + params: see error_params
    error_params = models.JSONField(default=dict, blank=True)
    diagnostics = models.JSONField(default=dict, blank=True)
    celery_task_id = models.CharField(max_length=255, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = WeightingRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="weighting_run_status_known",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="weighting_run_progress_percent"),
        ]
        indexes = [models.Index(fields=["survey", "status", "-finished_at"], name="weighting_run_survey_status")]

    def __str__(self) -> str:
        return f"weighting run {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class ResponseWeight(models.Model):
    """The weight of one finished response in one run (0 for a respondent excluded from weighting)."""

    run = models.ForeignKey(WeightingRun, on_delete=models.CASCADE, related_name="weights")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="weights")
    weight = models.FloatField()

    class Meta:
        ordering = ["run_id", "response_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "response"], name="one_weight_per_response_and_run"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="response_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.weight}"
