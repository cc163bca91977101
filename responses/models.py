"""Collectors (web links), personal invitations, quotas and the responses they gather.

Invariants live in database constraints, not only in code: one response per submission key,
per invitation, per resume token and (where the collector allows one answer per browser) per
browser; a finished response always has its submission time.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import Survey, SurveyVersion, new_slug

COLLECTOR_SLUG_LENGTH = 12  # 36^12 ≈ 4.7e18 links: not guessable, short enough to type from a poster


def new_collector_slug() -> str:
    return new_slug(COLLECTOR_SLUG_LENGTH)


def new_token() -> str:
    """Return a URL-safe token carrying 256 random bits (43 characters)."""
    return secrets.token_urlsafe(32)


class Collector(models.Model):
    """One way of reaching respondents: a public link, or a set of personal invitation links."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public link")
        INVITATION = "invitation", _("Personal invitations")
        IMPORT = "import", _("Imported file")  # answers collected elsewhere, brought in from a file

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="collectors")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PUBLIC)
    slug = models.SlugField(unique=True, max_length=16, default=new_collector_slug, editable=False)
    name = models.CharField(_("name"), max_length=120, blank=True, default="")
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    max_responses = models.PositiveIntegerField(_("maximum responses"), null=True, blank=True)
    allow_multiple_per_browser = models.BooleanField(_("allow several responses per browser"), default=False)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Finished (complete or flagged) responses through this collector while it has a maximum:
    # counted afresh when the maximum is set, then as each one finishes, in the transaction that
    # finishes it. A submission takes its place with one conditional UPDATE
    # (``finished_counter < max_responses``), so two racing for the last place can never both get
    # it. Without a maximum it is not kept up to date (submissions do not queue on this row).
    finished_counter = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["survey_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["public", "invitation", "import"]), name="collector_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True)
                | models.Q(closes_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="collector_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(max_responses__isnull=True) | models.Q(max_responses__gte=1),
                name="collector_max_responses_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.slug


class Invitation(models.Model):
    """A personal link for one contact: its token is the only credential the respondent needs."""

    class Status(models.TextChoices):
        CREATED = "created", _("Not sent yet")
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")
        BOUNCED = "bounced", _("Bounced")

    collector = models.ForeignKey(Collector, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    email = models.EmailField(_("email address"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    language = models.CharField(_("language"), max_length=2, blank=True, default="")
    extra = models.JSONField(default=dict, blank=True)  # other columns of the imported contact list
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATED)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")  # why sending failed or bounced
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["collector_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["collector", "email"], name="one_invitation_per_email"),
            models.CheckConstraint(
                condition=models.Q(status__in=["created", "sent", "opened", "started", "completed", "bounced"]),
                name="invitation_status_known",
            ),
        ]
        indexes = [models.Index(fields=["collector", "status"], name="invitation_collector_status")]

    def __str__(self) -> str:
        return self.email


class Quota(models.Model):
    """At most ``limit`` finished responses whose answer to ``question_key`` is one of ``values``.

    A quota belongs to a survey (all its collectors) or to one collector. A respondent whose
    answer falls in a full quota is screened out politely; the response is kept as screened out.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="quotas")
    collector = models.ForeignKey(Collector, on_delete=models.CASCADE, null=True, blank=True, related_name="quotas")
    name = models.CharField(_("name"), max_length=120)
    question_key = models.CharField(max_length=64)
    values = models.JSONField(default=list)  # choice codes of question_key
    limit = models.PositiveIntegerField(_("limit"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["survey_id", "id"]

    def __str__(self) -> str:
        return self.name


class ResponseQuerySet(models.QuerySet):
    def finished(self) -> "ResponseQuerySet":
        """Responses that count as answers: complete, or complete but flagged for review."""
        return self.filter(status__in=[Response.Status.COMPLETE, Response.Status.FLAGGED])


class Response(models.Model):
    """One respondent's answers to one survey version, as a JSON document keyed by question key."""

    class Status(models.TextChoices):
        PARTIAL = "partial", _("Partial")
        COMPLETE = "complete", _("Complete")
        SCREENED_OUT = "screened_out", _("Screened out")
        FLAGGED = "flagged", _("Flagged for review")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("API")
        IMPORT = "import", _("Imported file")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses")
    # Null only for responses imported from a file collected elsewhere.
    collector = models.ForeignKey(Collector, on_delete=models.PROTECT, null=True, blank=True, related_name="responses")
    invitation = models.ForeignKey(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    # The key of the form (or API call) that finished the response: a retry with it is recognised.
    submission_key = models.UUIDField(null=True, blank=True)
    resume_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PARTIAL)
    flag_reasons = models.JSONField(default=list, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    answers_hash = models.CharField(max_length=64, blank=True, default="")
    language = models.CharField(max_length=2, default="vi")
    current_page = models.CharField(max_length=64, blank=True, default="")
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)  # never stored by anonymous collectors
    user_agent = models.CharField(max_length=400, blank=True, default="")
    browser_id = models.CharField(max_length=64, blank=True, default="")
    # The browser id again, but only where the collector allows one response per browser: the
    # unique constraint below then holds the rule even against two tabs racing. NULL (not "") where
    # several responses are allowed, because NULLs never collide in a unique constraint.
    once_per_browser_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["submission_key"], name="response_submission_key_unique"),
            models.UniqueConstraint(fields=["invitation"], name="one_response_per_invitation"),
            models.UniqueConstraint(fields=["collector", "once_per_browser_key"], name="one_response_per_browser"),
            models.CheckConstraint(
                condition=models.Q(status__in=["partial", "complete", "screened_out", "flagged"]),
                name="response_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["web", "api", "import"]), name="response_source_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status="partial") | models.Q(submitted_at__isnull=False),
                name="response_finished_has_submitted_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["complete", "flagged"]) | models.Q(submission_key__isnull=False),
                name="response_finished_has_submission_key",
            ),
        ]
        indexes = [
            models.Index(fields=["survey", "status"], name="response_survey_status"),
            models.Index(fields=["collector", "status"], name="response_collector_status"),
            models.Index(fields=["survey", "submitted_at"], name="response_survey_submitted"),
            models.Index(fields=["submitted_at"], name="response_submitted_at"),
        ]

    def __str__(self) -> str:
        return f"response {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.PARTIAL
