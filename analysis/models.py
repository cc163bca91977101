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


class BackgroundJob(models.Model):
    """What every piece of work a Celery worker does for a page has: its status, progress and times.

    Weighting, insight and open-answer runs and exports share these fields; each model adds what
    its work needs and keeps its own named constraints.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    celery_task_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class WeightingRunQuerySet(models.QuerySet):
    def succeeded(self) -> "WeightingRunQuerySet":
        return self.filter(status=WeightingRun.Status.SUCCEEDED)


class WeightingRun(BackgroundJob):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="weighting_runs")
    target_set = models.ForeignKey(TargetSet, on_delete=models.SET_NULL, null=True, related_name="runs")
    # What was raked: the mapped variables with their categories and target shares, frozen at creation.
    targets = models.JSONField(default=dict)
    options = models.JSONField(default=dict)  # lower_bound, upper_bound, tolerance, max_sweeps, unmatched_policy
    error_message = models.TextField(blank=True, default="")  # English msgid + params: see error_params
    error_params = models.JSONField(default=dict, blank=True)
    diagnostics = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)

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


# --------------------------------------------------------------------------- candidate insights


class AnalysisRun(BackgroundJob):
    """One run of the full insight analysis of a survey: the settings used, its progress and warnings.

    ``warnings`` is a list of ``{"msgid": ..., "params": {...}}`` (English msgids, translated when
    shown); ``family_sizes`` maps each multiple-testing family to its number of tests.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="analysis_runs")
    error_message = models.TextField(blank=True, default="")  # English msgid + params: see error_params
    error_params = models.JSONField(default=dict, blank=True)
    # the settings used: alpha, min_group_n, min_effect_size, min_driver_correlation, weighted (requested)
    options = models.JSONField(default=dict, blank=True)
    is_weighted = models.BooleanField(default=False)  # whether weights were actually applied
    weighting_run = models.ForeignKey(WeightingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    response_count = models.PositiveIntegerField(default=0)
    candidate_count = models.PositiveIntegerField(default=0)
    family_sizes = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="analysis_run_status_known",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="analysis_run_progress_percent"),
        ]
        indexes = [models.Index(fields=["survey", "-created_at"], name="analysis_run_survey_created")]

    def __str__(self) -> str:
        return f"analysis run {self.pk} ({self.status})"


class Insight(models.Model):
    """A candidate insight and what the analyst decided about it.

    ``fingerprint`` is the candidate's stable id from ``analysis.core.insights`` (kind, question,
    answer level, segment variable and group): a re-run updates the insight with the same
    fingerprint (its evidence, statement and rank) and keeps its status, reason and tracking record.
    An insight that a re-run no longer finds stays, with ``is_current`` false.

    The tracking record follows customer-insight practice: Insight → Metric → Action → Expected
    result → Actual result.
    """

    class Kind(models.TextChoices):
        SEGMENT_DIFFERENCE = "segment_difference", _("Segment difference")
        THEME_CONCENTRATION = "theme_concentration", _("Theme concentration")
        KPI_DRIVER = "kpi_driver", _("KPI driver")
        WAVE_CHANGE = "wave_change", _("Change since the previous wave")
        BENCHMARK_GAP = "benchmark_gap", _("Gap from a benchmark")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher")
        LOWER = "lower", _("Lower")

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        VALIDATING = "validating", _("Validating")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUTED = "refuted", _("Refuted")

    class Level(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="insights")
    run = models.ForeignKey(AnalysisRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="insights")
    fingerprint = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    question_key = models.CharField(max_length=255)  # question, theme or rating key
    segment_variable = models.CharField(max_length=255, blank=True, default="")
    segment = models.IntegerField(null=True, blank=True)  # the segment group's level
    segment_label_vi = models.CharField(max_length=500, blank=True, default="")
    segment_label_en = models.CharField(max_length=500, blank=True, default="")
    answer_level = models.IntegerField(null=True, blank=True)
    kpi_key = models.CharField(max_length=255, blank=True, default="")
    direction = models.CharField(max_length=6, choices=Direction.choices)
    statement_vi = models.TextField()
    statement_en = models.TextField()
    evidence = models.JSONField(default=dict)
    criteria = models.JSONField(default=dict)
    caveats = models.JSONField(default=list, blank=True)
    quotes = models.JSONField(default=list, blank=True)
    rank = models.PositiveIntegerField(default=0)
    score = models.FloatField(default=0.0)
    is_current = models.BooleanField(default=True)  # found by the latest successful run
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE)
    reason = models.TextField(blank=True, default="")
    impact = models.CharField(max_length=6, choices=Level.choices, blank=True, default="")
    effort = models.CharField(max_length=6, choices=Level.choices, blank=True, default="")
    # the first estimate of impact and effort with its reasoning (analysis.core.insights.ImpactEffort)
    estimates = models.JSONField(default=dict, blank=True)
    impact_set_by_analyst = models.BooleanField(default=False)
    effort_set_by_analyst = models.BooleanField(default=False)
    # Insight → Metric → Action → Expected result → Actual result
    metric = models.CharField(max_length=300, blank=True, default="")
    action = models.TextField(blank=True, default="")
    expected_result = models.TextField(blank=True, default="")
    actual_result = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["survey_id", "-is_current", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "fingerprint"], name="insight_fingerprint_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["segment_difference", "theme_concentration", "kpi_driver", "wave_change", "benchmark_gap"]
                ),
                name="insight_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(direction__in=["higher", "lower"]), name="insight_direction_known"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["candidate", "accepted", "rejected", "validating", "confirmed", "refuted"]
                ),
                name="insight_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(reason=""), name="insight_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["kpi_driver", "wave_change", "benchmark_gap"])
                | (~models.Q(segment_variable="") & models.Q(segment__isnull=False)),
                name="insight_segment_named",
            ),
            models.CheckConstraint(
                condition=models.Q(impact__in=["", "low", "medium", "high"]), name="insight_impact_known"
            ),
            models.CheckConstraint(
                condition=models.Q(effort__in=["", "low", "medium", "high"]), name="insight_effort_known"
            ),
        ]
        indexes = [models.Index(fields=["survey", "status", "kind"], name="insight_survey_status_kind")]

    def __str__(self) -> str:
        return self.fingerprint

    def statement(self, language: str) -> str:
        return self.statement_vi if language == "vi" else self.statement_en


class Benchmark(models.Model):
    """A value the researcher expects for a question, to judge whether a finding is new.

    ``variable`` is the analysed variable's key (the question; ``question.option`` for an option of
    a multiple-choice question; ``question.row`` for a matrix row). A share of a single-choice
    option names the option's code in ``option``; a multiple-choice option's share (chosen) and
    the mean of a rating, NPS or matrix row leave it empty. ``segment_variable`` and
    ``segment_option`` narrow it to one segment group (empty: all respondents).
    """

    class Estimate(models.TextChoices):
        SHARE = "share", _("Share choosing an option")
        MEAN = "mean", _("Mean score")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="benchmarks")
    variable = models.CharField(max_length=255)
    option = models.CharField(max_length=255, blank=True, default="")
    estimate = models.CharField(max_length=5, choices=Estimate.choices)
    segment_variable = models.CharField(max_length=255, blank=True, default="")
    segment_option = models.CharField(max_length=255, blank=True, default="")
    value = models.FloatField()
    source = models.CharField(max_length=300, blank=True, default="")  # where the value comes from
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["survey_id", "variable", "option", "segment_variable", "segment_option", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "variable", "option", "segment_variable", "segment_option"],
                name="benchmark_unique_target",
            ),
            models.CheckConstraint(condition=models.Q(estimate__in=["share", "mean"]), name="benchmark_estimate_known"),
            models.CheckConstraint(
                condition=~models.Q(estimate="share") | (models.Q(value__gte=0) & models.Q(value__lte=1)),
                name="benchmark_share_between_0_and_1",
            ),
            models.CheckConstraint(
                condition=(models.Q(segment_variable="") & models.Q(segment_option=""))
                | (~models.Q(segment_variable="") & ~models.Q(segment_option="")),
                name="benchmark_segment_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variable} {self.option or self.estimate} = {self.value}"


class PreviousWave(models.Model):
    """The earlier survey (same workspace, same question keys) this survey's answers are compared with."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="previous_wave_link")
    previous = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="next_wave_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(survey=models.F("previous")), name="previous_wave_not_itself")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} after {self.previous_id}"


class InsightEvent(models.Model):
    """The history of an insight: status changes, plans, tracking updates and re-runs."""

    class Event(models.TextChoices):
        CREATED = "created", _("Found by an analysis run")
        TRANSITION = "transition", _("Status changed")
        TRACKING = "tracking", _("Tracking record updated")
        REFRESHED = "refreshed", _("Evidence refreshed by an analysis run")
        DROPPED = "dropped", _("No longer found by the latest analysis run")

    insight = models.ForeignKey(Insight, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=10, choices=Event.choices)
    from_status = models.CharField(max_length=10, blank=True, default="")
    to_status = models.CharField(max_length=10, blank=True, default="")
    note = models.TextField(blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(AnalysisRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["insight_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(event__in=["created", "transition", "tracking", "refreshed", "dropped"]),
                name="insight_event_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(event="transition") | (~models.Q(to_status="") & ~models.Q(from_status="")),
                name="insight_transition_has_statuses",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insight_id}: {self.event} {self.from_status}→{self.to_status}"


class ValidationPlan(models.Model):
    """How an accepted insight is checked before investing: an A/B test or a follow-up survey.

    ``parameters`` holds what the sample-size planner was given (test two_proportions or two_means,
    the expected values, alpha, power) and ``n_per_group`` what it answered.
    """

    class Kind(models.TextChoices):
        AB_TEST = "ab_test", _("A/B test")
        FOLLOW_UP_SURVEY = "follow_up_survey", _("Follow-up survey")

    insight = models.ForeignKey(Insight, on_delete=models.CASCADE, related_name="validation_plans")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    parameters = models.JSONField(default=dict)
    n_per_group = models.PositiveIntegerField()
    notes = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["insight_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["ab_test", "follow_up_survey"]), name="validation_plan_kind_known"
            ),
            models.CheckConstraint(condition=models.Q(n_per_group__gte=2), name="validation_plan_n_at_least_2"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.insight_id} (n = {self.n_per_group} per group)"


# --------------------------------------------------------------------------- open answers


class OpenTextRun(BackgroundJob):
    """One analysis of a survey's open question: discovery (first run), incremental or re-assignment.

    ``options`` holds the settings the analyst asked for: ``themes`` (K, or None to let the silhouette
    choose) and ``lang`` (None: detect per answer). ``counts`` says what the run did (answers
    processed, new, themes found).
    """

    class Mode(models.TextChoices):
        DISCOVER = "discover", _("Discover themes")
        INCREMENTAL = "incremental", _("New answers only")
        REASSIGN = "reassign", _("Re-assign every answer")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="open_text_runs")
    question_key = models.CharField(max_length=64)
    mode = models.CharField(max_length=11, choices=Mode.choices, default=Mode.DISCOVER)
    error_message = models.TextField(blank=True, default="")  # English msgid + params
    error_params = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="open_text_run_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=["discover", "incremental", "reassign"]), name="open_text_run_mode_known"
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="open_text_run_progress_percent"),
        ]
        indexes = [models.Index(fields=["survey", "question_key", "-created_at"], name="open_text_run_question")]

    def __str__(self) -> str:
        return f"open-text run {self.pk} ({self.status})"


class OpenTextCodebook(models.Model):
    """The analyst's codebook of one open question (``analysis.core.open_text.codebook`` as JSON).

    ``version`` grows with every change (a run or an edit); ``summaries`` keeps each theme's
    keywords and representative quotes from the runs, keyed by theme id.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="open_text_codebooks")
    question_key = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    summaries = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "question_key"], name="one_codebook_per_open_question")
        ]

    def __str__(self) -> str:
        return f"codebook {self.survey_id}/{self.question_key} v{self.version}"


class SentimentLabel(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")
    MIXED = "mixed", _("Mixed")


_SENTIMENTS = ["negative", "neutral", "positive", "mixed"]


class AnswerAnalysis(models.Model):
    """What the analysis found in one response's answer to one open question.

    ``text`` is the answer as analysed: an answer whose text changed since is analysed again.
    ``themes`` lists the theme ids, the main one first (["other"] when none fits, [] for a non-answer).
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question_key = models.CharField(max_length=64)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="open_text_analyses")
    text = models.TextField()
    lang = models.CharField(max_length=2)
    vi_share = models.FloatField(default=0.0)
    en_share = models.FloatField(default=0.0)
    sentiment = models.CharField(max_length=8, choices=SentimentLabel.choices)
    score = models.FloatField(default=0.0)
    sentiment_source = models.CharField(max_length=8, default="model")  # "analyst" when overridden
    is_non_answer = models.BooleanField(default=False)
    is_duplicate = models.BooleanField(default=False)
    themes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["survey_id", "question_key", "response_id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question_key"], name="one_analysis_per_answer"),
            models.CheckConstraint(condition=models.Q(sentiment__in=_SENTIMENTS), name="answer_analysis_sentiment"),
            models.CheckConstraint(
                condition=models.Q(score__gte=-1) & models.Q(score__lte=1), name="answer_analysis_score_range"
            ),
        ]
        indexes = [models.Index(fields=["survey", "question_key", "sentiment"], name="answer_analysis_sentiment")]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_key}: {self.sentiment}"


class ThemeAssignment(models.Model):
    """One theme mention in one answer, with the mention's own sentiment (position 0: the main theme)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question_key = models.CharField(max_length=64)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="theme_assignments")
    theme_id = models.CharField(max_length=16)
    position = models.PositiveSmallIntegerField(default=0)
    sentiment = models.CharField(max_length=8, choices=SentimentLabel.choices)
    score = models.FloatField(default=0.0)
    mention = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["survey_id", "question_key", "response_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_key", "theme_id"], name="one_assignment_per_answer_theme"
            ),
            models.CheckConstraint(condition=models.Q(sentiment__in=_SENTIMENTS), name="theme_assignment_sentiment"),
        ]
        # theme × segment and theme volume queries: every answer of a question with a theme
        indexes = [
            models.Index(fields=["survey", "question_key", "theme_id", "response"], name="theme_assignment_theme")
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_key}: {self.theme_id}"


class SentimentOverride(models.Model):
    """The analyst's sentiment for one answer; every later run uses it instead of the model's."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question_key = models.CharField(max_length=64)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="sentiment_overrides")
    label = models.CharField(max_length=8, choices=SentimentLabel.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["survey_id", "question_key", "response_id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question_key"], name="one_sentiment_override_per_answer"),
            models.CheckConstraint(condition=models.Q(label__in=_SENTIMENTS), name="sentiment_override_label"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_key}: {self.label}"


def export_upload_to(job: "ExportJob", filename: str) -> str:
    return f"exports/{job.survey_id}/{filename}"


class ExportJob(BackgroundJob):
    """One export of a survey's responses and results (xlsx, csv or sav), made by a worker.

    ``options`` holds the analyst's choices (``analysis.export.ExportRequest.to_json``). The file
    is stored under MEDIA_ROOT/exports/ through the default storage and downloadable until
    ``expires_at``; ``purge_exports`` deletes the files of expired jobs.
    """

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel workbook (.xlsx)")
        CSV = "csv", _("CSV (UTF-8)")
        SAV = "sav", _("SPSS (.sav)")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="export_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.XLSX)
    options = models.JSONField(default=dict, blank=True)
    file = models.FileField(upload_to=export_upload_to, max_length=255, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)  # bytes
    response_count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="export_job_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(format__in=["xlsx", "csv", "sav"]), name="export_job_format_known"
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="export_job_progress_percent"),
        ]
        indexes = [models.Index(fields=["survey", "-created_at"], name="export_job_survey")]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
