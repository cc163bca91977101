"""Translated names for the codes the questionnaire stores (types, tests, roles, statuses)."""

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.forms import (
    LANGUAGE_NAMES,
    OPERATOR_LABELS,
    QUESTION_TYPE_HINTS,
    QUESTION_TYPE_LABELS,
    ROLE_KIND_LABELS,
    ROLE_LABELS,
    VARIABLE_LABELS,
)
from surveys.core.questionnaire import Text
from surveys.models import Survey

register = template.Library()


@register.filter
def type_label(value: str) -> str:
    """Return the translated name of a question type."""
    return str(QUESTION_TYPE_LABELS.get(value, value))


@register.filter
def type_hint(value: str) -> str:
    return str(QUESTION_TYPE_HINTS.get(value, ""))


@register.filter
def operator_label(value: str) -> str:
    return str(OPERATOR_LABELS.get(value, value))


@register.filter
def member_role_label(value: str) -> str:
    return str(ROLE_LABELS.get(value, value))


@register.filter
def language_name(value: str) -> str:
    return str(LANGUAGE_NAMES.get(value, value))


@register.filter
def status_label(value: str) -> str:
    return str(Survey.Status(value).label) if value in Survey.Status.values else value


@register.simple_tag
def question_role(question: Any) -> str:
    """Return "Demographic: age band" for a question with a role, else ""."""
    if not question.role_kind:
        return ""
    kind = ROLE_KIND_LABELS.get(question.role_kind, question.role_kind)
    variable = VARIABLE_LABELS.get(question.role_variable, question.role_variable)
    return _("%(kind)s: %(variable)s") % {"kind": kind, "variable": variable}


@register.filter
def in_language(value: Mapping[str, str] | None, language: str) -> str:
    """Return a stored text in ``language`` ("" when it has none)."""
    return (value or {}).get(language, "")


@register.filter
def readable(value: Any) -> str:
    """Return a snapshot value as short text for the version diff."""
    if value is None or value in ({}, [], ""):
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return " | ".join(readable(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


FIELD_LABELS = {
    "title": gettext_lazy("title"),
    "description": gettext_lazy("description"),
    "languages": gettext_lazy("languages"),
    "default_language": gettext_lazy("default language"),
    "pages": gettext_lazy("pages"),
    "page": gettext_lazy("page"),
    "key": gettext_lazy("key"),
    "type": gettext_lazy("type"),
    "text": gettext_lazy("text"),
    "help_text": gettext_lazy("help text"),
    "required": gettext_lazy("required"),
    "choices": gettext_lazy("options"),
    "rows": gettext_lazy("rows"),
    "min_value": gettext_lazy("minimum"),
    "max_value": gettext_lazy("maximum"),
    "allow_not_applicable": gettext_lazy("“not applicable”"),
    "randomize_choices": gettext_lazy("shuffled options"),
    "role": gettext_lazy("role"),
    "logic": gettext_lazy("display logic"),
}


@register.filter
def field_label(value: str) -> str:
    """Return the translated name of a snapshot field."""
    return str(FIELD_LABELS.get(value, value))


@register.filter
def display_text(value: Text | Mapping[str, str] | None, language: str) -> str:
    """Return a text in ``language``, else in any language it has."""
    if isinstance(value, Text):
        return value.get(language)
    value = value or {}
    return value.get(language) or next((text for text in value.values() if text), "")


@register.simple_tag
def question_types() -> list[tuple[str, str, str]]:
    """Return (code, name, hint) for every question type, for the type picker."""
    return [(code, str(label), str(QUESTION_TYPE_HINTS[code])) for code, label in QUESTION_TYPE_LABELS.items()]
