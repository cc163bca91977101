"""The builder's "Collect" section: public links (with QR codes), personal invitations, quotas."""

from typing import Any

from django import template

from frontend import respond_views
from responses import selectors
from responses.models import Collector

register = template.Library()


@register.inclusion_tag("frontend/surveys/_collect.html", takes_context=True)
def collect_panel(context: template.Context, survey: Any) -> dict[str, Any]:
    request = context["request"]
    invitation_sets = [
        collector
        for collector in selectors.list_collectors(survey=survey)
        if collector.kind == Collector.Kind.INVITATION
    ]
    return {
        "collect": respond_views.collect_panel(request, survey),
        "invitation_sets": invitation_sets,
        "csrf_token": context.get("csrf_token"),
    }
