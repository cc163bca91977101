"""The rule registry: every check declares its id, category and default severity once."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from surveys.core.linter.findings import Category, Severity, Suggestion
from surveys.core.messages import Message


class Scope(StrEnum):
    QUESTION = "question"
    SURVEY = "survey"


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule reports: spans in the normalised text (or option), why, and a fix if any."""

    spans: tuple[tuple[int, int], ...]
    message: Message
    suggestion: Suggestion | None = None
    option_index: int | None = None
    question_index: int | None = None
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered check; ``summary`` is the one-line English description shown in docs and UI."""

    id: str
    category: Category
    severity: Severity
    scope: Scope
    summary: str
    check: Callable[[Any], Iterable[Hit]]


RULES: dict[str, Rule] = {}


def rule(
    *, id: str, category: Category, severity: Severity, summary: str, scope: Scope = Scope.QUESTION
) -> Callable[[Callable[[Any], Iterable[Hit]]], Callable[[Any], Iterable[Hit]]]:
    """Register the decorated function as the check of rule ``id``."""

    def register(check: Callable[[Any], Iterable[Hit]]) -> Callable[[Any], Iterable[Hit]]:
        if id in RULES:
            raise ValueError(f"rule {id!r} is registered twice")
        RULES[id] = Rule(id=id, category=category, severity=severity, scope=scope, summary=summary, check=check)
        return check

    return register
