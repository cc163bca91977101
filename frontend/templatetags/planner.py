"""``{% planner_panel survey can_edit %}``: the sample-size panel of the builder page."""

from typing import Any

from django import template

from frontend.planner_views import PANEL_TEMPLATE, plan_panel

register = template.Library()


@register.inclusion_tag(PANEL_TEMPLATE, takes_context=True)
def planner_panel(context: template.Context, survey: Any, can_edit: bool) -> dict[str, Any]:
    """Render the survey's plan: an editable form for researchers, read-only for the others."""
    return {
        "panel": plan_panel(survey, can_edit=bool(can_edit)),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
