"""``manage.py lint_questions FILE.jsonl``: lint questions read as JSON Lines, print findings as JSON Lines.

Each input line is an object: ``id`` (a string or an integer, required), ``text`` (required),
and optionally ``options`` (a list of strings), ``type`` (a question type such as
``single_choice``) and ``lang`` (``vi`` or ``en``; detected from the text when left out or null).
Blank lines are skipped. ``-`` reads standard input.

Each output line is ``{"id", "lang", "findings": [...]}``, in input order; a finding has
``rule``, ``category``, ``severity``, ``start``, ``end``, ``message`` and ``suggestion``
(``{"questions": [...], "options": [...]}`` or null), plus ``spans`` and ``option_index``
(set when the offsets point into that option's label instead of the question text).

The whole input is checked before anything is linted: if any line is bad, every bad line is
reported on standard error with its line number, nothing is printed on standard output, and the
command exits with status 1. Output is all or nothing, so a pipeline never takes half a file
for the whole.
"""

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys import linting
from surveys.core.linter import QuestionInput, detect_language, lint_question
from surveys.core.questionnaire import LANGUAGES, QuestionType

FIELDS = {"id", "text", "options", "type", "lang"}
QUESTION_TYPES = {question_type.value for question_type in QuestionType}


def parse_line(line: str) -> tuple[Any, QuestionInput]:
    """Return the id and the question of one input line; raise ValueError with a translated reason."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(_("not valid JSON ({reason})").format(reason=error.msg)) from None
    if not isinstance(item, dict):
        raise ValueError(_("expected a JSON object"))
    unknown = sorted(set(item) - FIELDS)
    if unknown:
        raise ValueError(_("unknown fields: {names}").format(names=", ".join(unknown)))
    identifier = item.get("id")
    if isinstance(identifier, bool) or not isinstance(identifier, (str, int)) or identifier == "":
        raise ValueError(_("“id” must be a non-empty string or an integer"))
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(_("“text” must be a non-empty string"))
    options = item.get("options", [])
    if not isinstance(options, list) or not all(isinstance(option, str) for option in options):
        raise ValueError(_("“options” must be a list of strings"))
    question_type = item.get("type")
    if question_type is not None and question_type not in QUESTION_TYPES:
        raise ValueError(_("“type” must be one of {types}").format(types=", ".join(sorted(QUESTION_TYPES))))
    lang = item.get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(_("“lang” must be one of {languages}").format(languages=", ".join(LANGUAGES)))
    question = QuestionInput(
        text=text, options=tuple(options), type=question_type, lang=lang or detect_language(text), key=str(identifier)
    )
    return identifier, question


def parse_lines(lines: Iterable[str]) -> tuple[list[tuple[Any, QuestionInput]], list[str]]:
    """Return the parsed questions and, for bad lines, "line N: reason" messages."""
    parsed, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parsed.append(parse_line(line))
        except ValueError as error:
            problems.append(_("line {number}: {reason}").format(number=number, reason=error))
    return parsed, problems


def _lines(content: str) -> list[str]:
    return [line.removesuffix("\r") for line in content.split("\n")]


class Command(BaseCommand):
    help = gettext_lazy("Lint questions read as JSON Lines (one object per line) and print the findings as JSON Lines.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help=gettext_lazy("A .jsonl file with id, text, options, type and lang; “-” reads stdin.")
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help=gettext_lazy("Language of the messages (default: English)."),
            default="en",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            lines = self._read(options["file"])
            parsed, problems = parse_lines(lines)
            if problems:
                for problem in problems:
                    self.stderr.write(problem)
                raise CommandError(
                    _("{count} bad line(s); nothing was linted.").format(count=len(problems)), returncode=1
                )
            for identifier, question in parsed:
                findings = [linting.finding_as_dict(finding, translate=_) for finding in lint_question(question)]
                self.stdout.write(
                    json.dumps({"id": identifier, "lang": question.lang, "findings": findings}, ensure_ascii=False)
                )

    def _read(self, name: str) -> list[str]:
        # Split on newlines only: str.splitlines would also split on U+2028 inside a JSON string.
        if name == "-":
            return _lines(sys.stdin.read())
        try:
            return _lines(Path(name).read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise CommandError(_("No such file: {name}").format(name=name)) from None
        except UnicodeDecodeError:
            raise CommandError(_("{name} is not UTF-8 text.").format(name=name)) from None
        except OSError as error:
            raise CommandError(_("Cannot read {name}: {reason}").format(name=name, reason=error.strerror)) from None
