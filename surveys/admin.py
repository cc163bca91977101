from django.contrib import admin

from surveys.models import AuditEvent, Choice, Membership, Page, Question, Survey, SurveyVersion, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    inlines = [MembershipInline]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("slug", "__str__", "workspace", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("slug",)
    raw_id_fields = ("workspace", "created_by")


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("key", "survey", "type", "position")
    list_filter = ("type",)
    raw_id_fields = ("survey", "page")
    inlines = [ChoiceInline]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ("key", "survey", "position")
    raw_id_fields = ("survey",)


@admin.register(SurveyVersion)
class SurveyVersionAdmin(admin.ModelAdmin):
    """Versions are evidence of what respondents saw: the admin may read them, never change them."""

    list_display = ("survey", "number", "published_at", "published_by")
    readonly_fields = ("survey", "number", "snapshot", "published_at", "published_by", "lint_override_reason")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, in the admin too."""

    list_display = ("created_at", "workspace_name", "actor_email", "action", "object_type", "object_label")
    list_filter = ("action", "object_type")
    search_fields = ("workspace_name", "actor_email", "object_label")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
