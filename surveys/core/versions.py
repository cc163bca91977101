"""Compare two questionnaire snapshots question by question."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from surveys.core.questionnaire import SurveySpec


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    MOVED = "moved"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class QuestionChange:
    key: str
    kind: ChangeKind
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class SurveyDiff:
    survey_fields: tuple[FieldChange, ...]
    questions: tuple[QuestionChange, ...]

    @property
    def is_empty(self) -> bool:
        return not self.survey_fields and not self.questions


def _field_changes(before: dict[str, Any], after: dict[str, Any], ignore: frozenset[str]) -> tuple[FieldChange, ...]:
    names = sorted((set(before) | set(after)) - ignore)
    return tuple(
        FieldChange(name, before.get(name), after.get(name)) for name in names if before.get(name) != after.get(name)
    )


def diff_surveys(before: SurveySpec, after: SurveySpec) -> SurveyDiff:
    """Return what changed from ``before`` to ``after``: survey fields and questions by key."""
    before_dict, after_dict = before.to_dict(), after.to_dict()
    survey_fields = _field_changes(before_dict, after_dict, frozenset({"pages"}))
    before_pages = [page.key for page in before.pages]
    after_pages = [page.key for page in after.pages]
    if before_pages != after_pages:
        survey_fields += (FieldChange("pages", before_pages, after_pages),)

    def located(spec: SurveySpec) -> dict[str, tuple[str, int, dict[str, Any]]]:
        return {
            question.key: (page.key, index, question.to_dict())
            for page in spec.pages
            for index, question in enumerate(page.questions)
        }

    old, new = located(before), located(after)
    old_order = [key for key in old if key in new]
    new_order = [key for key in new if key in old]
    changes: list[QuestionChange] = []
    for key, (page_key, _, data) in new.items():
        if key not in old:
            changes.append(QuestionChange(key, ChangeKind.ADDED))
            continue
        old_page, _, old_data = old[key]
        fields = _field_changes(old_data, data, frozenset())
        if fields:
            changes.append(QuestionChange(key, ChangeKind.CHANGED, fields))
        elif old_page != page_key or old_order.index(key) != new_order.index(key):
            changes.append(QuestionChange(key, ChangeKind.MOVED, (FieldChange("page", old_page, page_key),)))
    changes.extend(QuestionChange(key, ChangeKind.REMOVED) for key in old if key not in new)
    return SurveyDiff(survey_fields, tuple(changes))
