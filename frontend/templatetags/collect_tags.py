"""The builder's "Collect" section: public links, their settings and quotas."""

from typing import Any

from django import template

from frontend import respond_views

register = template.Library()


@register.inclusion_tag("frontend/surveys/_collect.html", takes_context=True)
def collect_panel(context: template.Context, survey: Any) -> dict[str, Any]:
    request = context["request"]
    return {"collect": respond_views.collect_panel(request, survey), "csrf_token": context.get("csrf_token")}
