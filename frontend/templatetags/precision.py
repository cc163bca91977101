"""``{% segment_precision_badge … %}``: a segment's answers, its margin of error, and a "too few answers" mark.

Use it wherever results are shown per segment, with the rows of
``surveys.core.precision.segment_precision`` (so the threshold is the same everywhere)::

    {% load precision %}
    {% for row in precision_rows %}<td>{% segment_precision_badge row %}</td>{% endfor %}

or with a plain count, computed on the spot with the same defaults (95 %, at least 30 answers)::

    {% segment_precision_badge answers_so_far maximum_margin_of_error=survey.target_margin_of_error %}

Keyword options (count form only): ``confidence_level``, ``minimum_count``,
``maximum_margin_of_error``, ``population_size`` (the segment's size, for the finite-population
correction) and ``design_effect``. The badge shows "n = 12 · ±28.3 %" and, for a segment with too
few answers, a visible "too few answers" mark with the reason in its title and for screen readers.
"""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from surveys.core.precision import SegmentPrecision, segment_precision
from surveys.planner import percent

register = template.Library()


def _precision_of_count(n: int, options: dict[str, Any]) -> SegmentPrecision:
    population = options.pop("population_size", None)
    options = {name: value for name, value in options.items() if value is not None}
    return segment_precision({"": n}, population_sizes={"": population} if population else None, **options)[0]


@register.inclusion_tag("frontend/planner/_precision_badge.html")
def segment_precision_badge(precision: SegmentPrecision | int, **options: Any) -> dict[str, Any]:
    """Render a segment's n, ± margin of error and, when too small, the "too few answers" mark."""
    if not isinstance(precision, SegmentPrecision):
        precision = _precision_of_count(int(precision), options)
    margin = percent(precision.margin_of_error) if precision.margin_of_error is not None else ""
    reason = precision.reason.render(_) if precision.reason is not None else ""
    if margin:
        summary = _("%(n)s answers; margin of error ±%(margin)s at %(confidence)s confidence.") % {
            "n": precision.n,
            "margin": margin,
            "confidence": percent(precision.confidence_level),
        }
    else:
        summary = _("%(n)s answers; no margin of error yet.") % {"n": precision.n}
    return {
        "row": precision,
        "margin": margin,
        "reason": reason,
        "title": f"{summary} {reason}".strip(),
    }


@register.filter
def precision_reason(precision: SegmentPrecision) -> str:
    """Return why a segment is marked too small, in the active language ("" when it is not)."""
    return precision.reason.render(_) if precision.reason is not None else ""
