from django.contrib import admin

from analysis.models import SurveyTargetMapping, TargetCategory, TargetSet, TargetVariable, WeightingRun


class TargetCategoryInline(admin.TabularInline):
    model = TargetCategory
    extra = 0


@admin.register(TargetVariable)
class TargetVariableAdmin(admin.ModelAdmin):
    list_display = ("name", "target_set", "kind")
    inlines = [TargetCategoryInline]


@admin.register(TargetSet)
class TargetSetAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "preset", "created_at")
    search_fields = ("name",)


@admin.register(SurveyTargetMapping)
class SurveyTargetMappingAdmin(admin.ModelAdmin):
    list_display = ("survey", "target_set", "unmatched_policy", "updated_at")


@admin.register(WeightingRun)
class WeightingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "survey", "status", "progress", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("targets", "options", "diagnostics", "error_message", "error_params", "celery_task_id")
