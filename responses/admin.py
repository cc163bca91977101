from django.contrib import admin

from responses.models import Collector, Invitation, Quota, Response


@admin.register(Collector)
class CollectorAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "survey", "kind", "is_active", "opens_at", "closes_at", "max_responses")
    list_filter = ("kind", "is_active", "anonymous")
    search_fields = ("slug", "name")
    raw_id_fields = ("survey", "created_by")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "collector", "status", "sent_at", "completed_at")
    list_filter = ("status",)
    search_fields = ("email",)
    raw_id_fields = ("collector",)
    readonly_fields = ("token",)


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ("name", "survey", "collector", "question_key", "limit")
    raw_id_fields = ("survey", "collector")


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Answers are evidence: the admin may read them, never change or delete them."""

    list_display = ("id", "survey", "collector", "status", "started_at", "submitted_at")
    list_filter = ("status", "source")
    raw_id_fields = ("survey", "version", "collector", "invitation")

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
