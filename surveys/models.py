import secrets
import string

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from surveys.core import questionnaire
from surveys.core.roles import Role

SLUG_ALPHABET = string.ascii_lowercase + string.digits


def new_slug(length: int = 10) -> str:
    """Return a short random slug (36^10 ≈ 3.7e15 possibilities: not guessable)."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(length))


class Workspace(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(unique=True, max_length=12, default=new_slug, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = Role.OWNER.value, _("Owner")
        RESEARCHER = Role.RESEARCHER.value, _("Researcher")
        ANALYST = Role.ANALYST.value, _("Analyst")
        VIEWER = Role.VIEWER.value, _("Viewer")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["workspace_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user"),
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.workspace}"


class SurveyQuerySet(models.QuerySet):
    def open(self) -> "SurveyQuerySet":
        return self.filter(status=Survey.Status.OPEN)


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="surveys")
    slug = models.SlugField(unique=True, max_length=12, default=new_slug, editable=False)
    title = models.JSONField(default=dict)
    description = models.JSONField(default=dict, blank=True)
    languages = models.JSONField(default=list)
    default_language = models.CharField(max_length=2, default="vi")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Targets the sample-size planner stores for the survey.
    target_population = models.PositiveBigIntegerField(null=True, blank=True)
    target_margin_of_error = models.FloatField(null=True, blank=True)
    target_confidence_level = models.FloatField(null=True, blank=True)
    target_response_rate = models.FloatField(null=True, blank=True)
    target_eligibility_rate = models.FloatField(null=True, blank=True)
    target_expected_proportion = models.FloatField(null=True, blank=True)
    # Derived from the margin of error when one is set; chosen directly otherwise.
    target_sample_size = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "open", "closed", "archived"]), name="survey_status_known"
            ),
            models.CheckConstraint(condition=models.Q(default_language__in=["vi", "en"]), name="survey_language_known"),
        ]

    def __str__(self) -> str:
        return self.display_title()

    def display_title(self, language: str | None = None) -> str:
        return questionnaire.Text.from_value(self.title).get(language or self.default_language) or self.slug

    def mark_open(self) -> None:
        if self.status == self.Status.ARCHIVED:
            raise ValueError("an archived survey cannot be opened")
        self.status = self.Status.OPEN
        self.save(update_fields=["status", "updated_at"])

    def mark_closed(self) -> None:
        if self.status != self.Status.OPEN:
            raise ValueError("only an open survey can be closed")
        self.status = self.Status.CLOSED
        self.save(update_fields=["status", "updated_at"])

    def mark_archived(self) -> None:
        self.status = self.Status.ARCHIVED
        self.save(update_fields=["status", "updated_at"])


class Page(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="pages")
    key = models.CharField(max_length=64)
    position = models.PositiveIntegerField()
    title = models.JSONField(default=dict, blank=True)
    logic = models.JSONField(null=True, blank=True)
    randomize_questions = models.BooleanField(default=False)

    class Meta:
        ordering = ["survey_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "key"], name="page_key_unique_in_survey")]

    def __str__(self) -> str:
        return self.key


class Question(models.Model):
    Type = models.TextChoices("Type", [(t.value, t.value) for t in questionnaire.QuestionType])
    RoleKind = models.TextChoices("RoleKind", [(k.value, k.value) for k in questionnaire.RoleKind])

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(max_length=64)
    position = models.PositiveIntegerField()
    type = models.CharField(max_length=20, choices=Type.choices)
    text = models.JSONField(default=dict)
    help_text = models.JSONField(default=dict, blank=True)
    required = models.BooleanField(default=False)
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    allow_not_applicable = models.BooleanField(default=False)
    randomize_choices = models.BooleanField(default=False)
    role_kind = models.CharField(max_length=12, choices=RoleKind.choices, blank=True, default="")
    role_variable = models.CharField(max_length=64, blank=True, default="")
    logic = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["page__position", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "key"], name="question_key_unique_in_survey")]

    def __str__(self) -> str:
        return self.key


class Choice(models.Model):
    class Kind(models.TextChoices):
        OPTION = "option", _("Option")
        ROW = "row", _("Row")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.OPTION)
    position = models.PositiveIntegerField()
    value = models.CharField(max_length=64)
    label = models.JSONField(default=dict, blank=True)
    is_exclusive = models.BooleanField(default=False)
    is_other = models.BooleanField(default=False)

    class Meta:
        ordering = ["question_id", "kind", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "kind", "value"], name="choice_value_unique_in_question")
        ]

    def __str__(self) -> str:
        return self.value


class SurveyVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("published survey versions are immutable")

    def delete(self):
        raise ValueError("published survey versions are immutable")


class SurveyVersion(models.Model):
    """An immutable snapshot of the questionnaire as published; responses point at one."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    published_at = models.DateTimeField(default=timezone.now, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    lint_override_reason = models.TextField(blank=True, default="")

    objects = SurveyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["survey_id", "number"]
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="version_number_unique")]

    def __str__(self) -> str:
        return f"{self.survey_id} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        # A version is written once; a second save would silently rewrite what respondents answered.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("published survey versions are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("published survey versions are immutable")

    def spec(self) -> questionnaire.SurveySpec:
        return questionnaire.SurveySpec.from_dict(self.snapshot)


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("the audit log is append-only")

    def delete(self):
        raise ValueError("the audit log is append-only")


class AuditEvent(models.Model):
    """One line of a workspace's audit log: who did what to which object, when and from where.

    Append-only: a row is written once and never changed or deleted by the application. The
    actor's and object's names are copied as text so the line still reads after they are gone;
    deleting a user or a workspace only clears the link (SET_NULL), never the line.
    """

    class Action(models.TextChoices):
        CREATED = "created", pgettext_lazy("audit action", "Created")
        EDITED = "edited", pgettext_lazy("audit action", "Edited")
        PUBLISHED = "published", pgettext_lazy("audit action", "Published")
        CLOSED = "closed", pgettext_lazy("audit action", "Closed")
        REOPENED = "reopened", pgettext_lazy("audit action", "Reopened")
        ARCHIVED = "archived", pgettext_lazy("audit action", "Archived")
        DELETED = "deleted", pgettext_lazy("audit action", "Deleted")
        IMPORTED = "imported", pgettext_lazy("audit action", "Responses imported")
        INVITATIONS_SENT = "invitations_sent", pgettext_lazy("audit action", "Invitations sent")
        EXPORT_REQUESTED = "export_requested", pgettext_lazy("audit action", "Export requested")
        EXPORT_DOWNLOADED = "export_downloaded", pgettext_lazy("audit action", "Export downloaded")
        WEIGHTING_RUN = "weighting_run", pgettext_lazy("audit action", "Weighting run")
        ANALYSIS_RUN = "analysis_run", pgettext_lazy("audit action", "Analysis run")
        STATUS_CHANGED = "status_changed", pgettext_lazy("audit action", "Status changed")
        MEMBER_ADDED = "member_added", pgettext_lazy("audit action", "Member added")
        MEMBER_REMOVED = "member_removed", pgettext_lazy("audit action", "Member removed")
        ROLE_CHANGED = "role_changed", pgettext_lazy("audit action", "Role changed")

    workspace = models.ForeignKey(
        Workspace, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    workspace_name = models.CharField(max_length=120, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True, default="")
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=24, choices=Action.choices)
    object_type = models.CharField(max_length=32, blank=True, default="")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_label = models.CharField(max_length=200, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="audit_workspace_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    action__in=[
                        "created",
                        "edited",
                        "published",
                        "closed",
                        "reopened",
                        "archived",
                        "deleted",
                        "imported",
                        "invitations_sent",
                        "export_requested",
                        "export_downloaded",
                        "weighting_run",
                        "analysis_run",
                        "status_changed",
                        "member_added",
                        "member_removed",
                        "role_changed",
                    ]
                ),
                name="audit_action_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email or '-'} {self.action} {self.object_label}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("the audit log is append-only")
