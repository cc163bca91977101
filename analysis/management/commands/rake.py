"""``manage.py rake --responses FILE.csv --targets FILE.json``: raking weights on the command line.

The targets file maps each column of the responses file to ``{category: share or count}``; every
answer in those columns must be one of the target categories (nothing is recoded or dropped). The
command prints one weight per respondent, in file order, and the diagnostics: as one JSON object
with ``--json``, as readable tables otherwise. When the weights do not reach the targets (the
bounds are too tight, or some combinations of categories have no respondents), the output is
still printed and the command exits with status 1.
"""

import csv
import json
import math
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import asdict
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from analysis.core import weighting

# Targets files are small; a larger one is a mistake (a responses file given as targets, say).
MAX_TARGETS_BYTES = 10 * 1024 * 1024


def read_targets(path: str, kind: str) -> weighting.TargetSet:
    """Return the target set in the JSON file at ``path``, or raise CommandError."""
    try:
        with open(path, encoding="utf-8-sig") as file:
            text = file.read(MAX_TARGETS_BYTES + 1)
    except OSError as error:
        raise CommandError(
            _("Cannot read “{path}”: {reason}").format(path=path, reason=error.strerror or error)
        ) from None
    except UnicodeDecodeError:
        raise CommandError(_("The targets file “{path}” is not UTF-8 text.").format(path=path)) from None
    if len(text) > MAX_TARGETS_BYTES:
        raise CommandError(_("The targets file “{path}” is larger than 10 MB.").format(path=path))
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            _("The targets file “{path}” is not valid JSON (line {line}, column {column}: {reason}).").format(
                path=path, line=error.lineno, column=error.colno, reason=error.msg
            )
        ) from None
    if not isinstance(raw, dict) or not all(isinstance(value, dict) for value in raw.values()):
        raise CommandError(
            _(
                "The targets file must map each column name to an object of categories and their shares or"
                " counts, such as {example}."
            ).format(example='{"sex": {"male": 0.49, "female": 0.51}}')
        )
    try:
        return weighting.build_target_set(raw, kind=kind)
    except weighting.WeightingInputError as error:
        raise CommandError(error.message.render(_)) from None


def read_responses(
    path: str, columns: tuple[str, ...], base_weight_column: str | None
) -> tuple[dict[str, list[str]], list[str] | None]:
    """Return the answers of ``columns`` (and the base weights as text) from the CSV file at ``path``."""
    wanted = [*columns, *([base_weight_column] if base_weight_column else [])]
    answers: dict[str, list[str]] = {column: [] for column in wanted}
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file)
            header = next(reader, None)
            if header is None:
                raise CommandError(_("The responses file “{path}” is empty.").format(path=path))
            header = [name.strip() for name in header]
            duplicated = sorted({name for name in header if header.count(name) > 1})
            if duplicated:
                raise CommandError(
                    _("The responses file has more than one column called {column}.").format(column=duplicated[0])
                )
            missing = [column for column in wanted if column not in header]
            if missing:
                raise CommandError(
                    _("The responses file has no column {column} (its columns: {columns}).").format(
                        column=missing[0], columns=", ".join(header)
                    )
                )
            positions = {column: header.index(column) for column in wanted}
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue  # csv gives an empty list for a blank line: no respondent there
                if len(row) != len(header):
                    raise CommandError(
                        _(
                            "Line {line} of the responses file has {count} fields, but the header has {expected}."
                        ).format(line=line, count=len(row), expected=len(header))
                    )
                for column, position in positions.items():
                    answers[column].append(row[position].strip())
    except OSError as error:
        raise CommandError(
            _("Cannot read “{path}”: {reason}").format(path=path, reason=error.strerror or error)
        ) from None
    except UnicodeDecodeError:
        raise CommandError(_("The responses file “{path}” is not UTF-8 text.").format(path=path)) from None
    except csv.Error as error:
        raise CommandError(_("The responses file is not valid CSV: {reason}").format(reason=error)) from None
    if not answers[wanted[0]]:
        raise CommandError(_("The responses file “{path}” has a header but no responses.").format(path=path))
    base = answers.pop(base_weight_column) if base_weight_column else None
    return answers, base


def parse_base_weights(texts: list[str], column: str) -> np.ndarray:
    weights = np.empty(len(texts))
    for row, text in enumerate(texts):
        try:
            weights[row] = float(text)
        except ValueError:
            raise CommandError(
                _("Row {row}: the base weight “{value}” in column {column} is not a number.").format(
                    row=row + 1, value=text, column=column
                )
            ) from None
    return weights


def _finite(value: Any) -> Any:
    """Return ``value`` with non-finite floats replaced by None, so the output is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def result_payload(result: weighting.RakingResult) -> dict[str, Any]:
    """Return every weight and diagnostic of ``result`` as JSON-ready values."""
    return _finite(
        {
            "weights": result.weights.tolist(),
            "converged": result.converged,
            "status": str(result.status),
            "message": result.message.render(_) if result.message else None,
            "sweeps": result.sweeps,
            "max_error": result.max_error,
            "tolerance": result.tolerance,
            "max_sweeps": result.max_sweeps,
            "min_weight": result.lower_bound,
            "max_weight": result.upper_bound,
            "has_base_weights": result.has_base_weights,
            "target_kind": str(result.targets.kind),
            "population_total": result.targets.population_total,
            "cells": result.cells,
            "summary": asdict(result.summary),
            "errors": [asdict(error) for error in result.errors],
            "segments": [asdict(segment) for segment in result.segments],
            "before": asdict(result.before),
            "after": asdict(result.after),
        }
    )


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.6g}" if value == 0 or abs(value) >= 1e-3 else f"{value:.3e}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return lines


def result_text(result: weighting.RakingResult) -> str:
    summary = result.summary
    if result.converged:
        status = _("Converged in {sweeps} sweeps: the largest error in a share is {error}.").format(
            sweeps=result.sweeps, error=_number(result.max_error)
        )
    else:
        status = _("Not converged: {message}").format(message=result.message.render(_))
    lines = [
        status,
        _("Respondents: {n}; cells: {cells}; weights add up to {total}.").format(
            n=summary.n, cells=result.cells, total=_number(summary.total)
        ),
        _("Design effect (Kish): {deff}; effective sample size: {n_eff}.").format(
            deff=_number(summary.design_effect), n_eff=_number(summary.effective_sample_size)
        ),
        _("Weights: minimum {minimum}, maximum {maximum}, maximum / minimum {ratio}.").format(
            minimum=_number(summary.minimum), maximum=_number(summary.maximum), ratio=_number(summary.ratio)
        ),
        _("Percentiles of the weights: {percentiles}.").format(
            percentiles=", ".join(f"P{percent:g} {_number(value)}" for percent, value in summary.percentiles)
        ),
        "",
    ]
    segments = {(s.variable, s.category): s for s in result.segments}
    after = {(c.variable, c.category): c for c in result.after.categories}
    rows = []
    for before in result.before.categories:
        key = (before.variable, before.category)
        rows.append(
            [
                before.variable,
                before.category,
                str(before.count),
                _number(before.share),
                _number(before.target_share),
                _number(before.standardised_difference),
                _number(after[key].share),
                _number(abs(after[key].share - before.target_share)),
                _number(segments[key].design_effect),
            ]
        )
    headers = [
        _("Variable"),
        _("Category"),
        _("Respondents"),
        _("Sample share"),
        _("Target share"),
        _("Std. difference"),
        _("Weighted share"),
        _("Error"),
        _("Design effect"),
    ]
    lines += _table(headers, rows)
    lines.append("")
    fit_rows = [
        [
            before.variable,
            str(before.degrees_of_freedom),
            _number(before.chi_square),
            _number(before.chi_square_p_value),
            _number(before.g_statistic),
            _number(before.cohens_w),
            _number(after_fit.chi_square),
            _number(after_fit.chi_square_p_value),
        ]
        for before, after_fit in zip(result.before.fits, result.after.fits, strict=True)
    ]
    fit_headers = [_("Variable"), _("df"), _("χ² before"), _("p before"), _("G before"), _("w before")]
    lines += _table([*fit_headers, _("χ² after"), _("p after")], fit_rows)
    lines += ["", _("Weights (one per respondent, in file order):")]
    lines += [repr(float(weight)) for weight in result.weights]
    return "\n".join(lines)


class Command(BaseCommand):
    requires_system_checks = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = _(
            "Compute raking weights that make the respondents in a CSV file match population targets, and print"
            " one weight per respondent with the diagnostics."
        )
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--responses", required=True, help=_("CSV file (UTF-8) with one respondent per row."))
        parser.add_argument(
            "--targets",
            required=True,
            help=_("JSON file mapping each column to {category: share or count}."),
        )
        parser.add_argument("--base-weight-column", help=_("Column holding each respondent's base weight."))
        parser.add_argument("--max-weight", type=float, help=_("Largest weight, as a multiple of the mean weight."))
        parser.add_argument("--min-weight", type=float, help=_("Smallest weight, as a multiple of the mean weight."))
        parser.add_argument(
            "--tolerance",
            type=float,
            default=weighting.DEFAULT_TOLERANCE,
            help=_("Largest error allowed in a weighted share (default 1e-8)."),
        )
        parser.add_argument(
            "--max-sweeps",
            type=int,
            default=weighting.DEFAULT_MAX_SWEEPS,
            help=_("Most raking sweeps (default 1000)."),
        )
        parser.add_argument(
            "--target-kind",
            choices=[kind.value for kind in weighting.TargetKind],
            default=weighting.TargetKind.AUTO.value,
            help=_("Read the targets as shares or counts (default: shares when every value is at most 1)."),
        )
        parser.add_argument("--json", action="store_true", help=_("Print one JSON object."))
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], help=_("Language of the output.")
        )

    def handle(self, *args: Any, language: str | None, **options: Any) -> None:
        with translation.override(language) if language else nullcontext():
            targets = read_targets(options["targets"], options["target_kind"])
            column = options["base_weight_column"]
            if column in targets.variables:
                raise CommandError(
                    _("The base weight column {column} is also a target variable.").format(column=column)
                )
            answers, base_texts = read_responses(options["responses"], targets.variables, column)
            try:
                codes = {
                    variable: weighting.encode_categories(answers[variable], targets.get(variable))
                    for variable in targets.variables
                }
                result = weighting.rake(
                    codes,
                    targets,
                    base_weights=parse_base_weights(base_texts, column) if column else None,
                    lower_bound=options["min_weight"],
                    upper_bound=options["max_weight"],
                    tolerance=options["tolerance"],
                    max_sweeps=options["max_sweeps"],
                )
            except weighting.WeightingInputError as error:
                raise CommandError(error.message.render(_)) from None
            if options["json"]:
                self.stdout.write(json.dumps(result_payload(result), ensure_ascii=False, allow_nan=False))
            else:
                self.stdout.write(result_text(result))
            if not result.converged:
                raise CommandError(result.message.render(_))
