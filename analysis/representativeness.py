"""The representativeness report of a survey: who answered against the attached targets, before and after weighting.

A read: it codes the finished responses through the survey's mapping and compares each variable
with its targets (``analysis.core.weighting.compare_with_targets``), then adds what the current
weighting run achieved. Each variable is compared on its own respondents (those with a target
category for it), so one variable's missing answers do not hide another's imbalance.

A category is flagged as under- or over-represented when both
* its standardised difference |p − π| / √(π(1 − π)) is at least ``FLAG_STANDARDISED_DIFFERENCE``
  (0.1, the usual threshold for a meaningful imbalance in the standardised-mean-difference
  literature and in the ``balance`` package), and
* its share is off by at least ``FLAG_RELATIVE_DIFFERENCE`` (20 %) of the target share,
so that neither a tiny group's small absolute gap nor a large group's trivial relative gap raises
a flag on its own.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils import translation
from django.utils.translation import gettext as _

from analysis import selectors, services
from analysis.core import weighting
from analysis.models import SurveyTargetMapping, WeightingRun
from responses.models import Response
from surveys.models import Survey

FLAG_STANDARDISED_DIFFERENCE = 0.1
FLAG_RELATIVE_DIFFERENCE = 0.2


@dataclass(frozen=True, slots=True)
class CategoryRow:
    code: str
    label: str
    count: int
    share: float
    target_share: float
    difference: float
    standardised_difference: float | None
    relative_difference: float | None  # share / target − 1
    flag: str  # "under", "over" or ""
    weighted_share: float | None  # after the current weighting run


@dataclass(frozen=True, slots=True)
class VariableReport:
    name: str
    label: str
    question_key: str
    n: int
    unmatched: services.Unmatched
    rows: tuple[CategoryRow, ...]
    fit_before: dict[str, Any] | None
    fit_after: dict[str, Any] | None
    error: str  # why the variable could not be compared

    @property
    def flagged(self) -> tuple[CategoryRow, ...]:
        return tuple(row for row in self.rows if row.flag)


@dataclass(frozen=True, slots=True)
class RepresentativenessReport:
    survey: Survey
    mapping: SurveyTargetMapping | None
    n_finished: int
    variables: tuple[VariableReport, ...]
    active_run: WeightingRun | None
    latest_run: WeightingRun | None
    discarded_run: WeightingRun | None = None  # the latest succeeded run, when its weights were discarded
    flag_standardised_difference: float = FLAG_STANDARDISED_DIFFERENCE
    flag_relative_difference: float = FLAG_RELATIVE_DIFFERENCE

    @property
    def weights_are_stale(self) -> bool:
        """Whether responses finished (or were removed) since the current weights were computed."""
        if self.active_run is None:
            return False
        return self.active_run.diagnostics.get("n_responses") != self.n_finished


def flag_of(share: float, target_share: float, standardised: float | None) -> str:
    if standardised is None or target_share <= 0:
        return ""
    relative = share / target_share - 1
    if abs(standardised) >= FLAG_STANDARDISED_DIFFERENCE and abs(relative) >= FLAG_RELATIVE_DIFFERENCE:
        return "over" if relative > 0 else "under"
    return ""


def _label(pair: tuple[str, str], fallback: str, language: str) -> str:
    vi, en = pair
    return (vi if language == "vi" else en) or vi or en or fallback


def get_representativeness_report(*, survey: Survey) -> RepresentativenessReport:
    """Return the report for a survey the caller already holds with the ``view`` capability."""
    language = (translation.get_language() or "vi")[:2]
    mapping = selectors.get_target_mapping(survey=survey)
    n_finished = Response.objects.filter(survey=survey).finished().count()
    active = selectors.get_active_run(survey=survey)
    discarded = None if active is not None else selectors.get_discarded_run(survey=survey)
    latest = selectors.list_runs(survey=survey).first()
    if mapping is None:
        return RepresentativenessReport(survey, None, n_finished, (), active, latest, discarded)
    variables = services.mapped_variables(mapping)
    coded = services.code_responses(survey=survey, variables=variables) if variables else None
    after = active.diagnostics.get("after", {}) if active is not None else {}
    weighted = {(c["variable"], c["category"]): c["share"] for c in after.get("categories", [])}
    fits_after = {f["variable"]: f for f in after.get("fits", [])}
    reports = []
    for variable, unmatched in zip(variables, coded.unmatched if coded else (), strict=True):
        codes = coded.codes[variable.name]
        own = codes[codes >= 0]
        label = (variable.label_vi if language == "vi" else variable.label_en) or variable.name
        single = weighting.build_target_set(
            {variable.name: dict(zip(variable.categories, variable.shares, strict=True))},
            kind=weighting.TargetKind.SHARES,
        )
        try:
            comparison = weighting.compare_with_targets({variable.name: own.astype(np.int64)}, single)
        except weighting.WeightingInputError as error:
            reports.append(
                VariableReport(
                    name=variable.name,
                    label=label,
                    question_key=variable.question_key,
                    n=0,
                    unmatched=unmatched,
                    rows=(),
                    fit_before=None,
                    fit_after=None,
                    error=error.message.render(_),
                )
            )
            continue
        rows = []
        for c, labels in zip(comparison.categories, variable.category_labels, strict=True):
            rows.append(
                CategoryRow(
                    code=c.category,
                    label=_label(labels, c.category, language),
                    count=c.count,
                    share=c.share,
                    target_share=c.target_share,
                    difference=c.difference,
                    standardised_difference=c.standardised_difference,
                    relative_difference=(c.share / c.target_share - 1) if c.target_share > 0 else None,
                    flag=flag_of(c.share, c.target_share, c.standardised_difference),
                    weighted_share=weighted.get((variable.name, c.category)),
                )
            )
        reports.append(
            VariableReport(
                name=variable.name,
                label=label,
                question_key=variable.question_key,
                n=comparison.n,
                unmatched=unmatched,
                rows=tuple(rows),
                fit_before=services.fit_as_dict(comparison.fits[0]),
                fit_after=fits_after.get(variable.name),
                error="",
            )
        )
    return RepresentativenessReport(survey, mapping, n_finished, tuple(reports), active, latest, discarded)
