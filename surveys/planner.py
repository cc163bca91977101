"""The sample-size planner between the pure core and the API, the pages and the services.

``calculate`` runs one calculation from parameters named as the ``sample_size`` command's
options (``margin``, ``confidence``, ``population``, ``deff``, ``sd``, ``response_rate`` …) and
turns a refused parameter into ``InvalidInput`` naming that option. ``plan_for_survey`` and
``explain_plan`` read a survey's stored targets (``Survey.target_*``) as a plan and say in plain
words what it means. No function here writes: storing targets is ``services.update_survey_plan``.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from surveys.core import sample_size as ss
from surveys.core.precision import segment_precision
from surveys.core.survey_plan import PlanTargets, SurveyPlan, plan_survey
from surveys.errors import InvalidInput
from surveys.models import Survey

KINDS = (
    "proportion",
    "margin",
    "mean",
    "invitations",
    "two-proportions",
    "two-means",
    "chi-square",
    "segments",
    "segment-margins",
)

# Core parameter -> the option (API field, CLI flag) that carries it.
OPTION_NAMES = {
    "margin_of_error": "margin",
    "confidence_level": "confidence",
    "population_size": "population",
    "design_effect": "deff",
    "standard_deviation": "sd",
    "required_responses": "n",
    "baseline_proportion": "proportion",
    "minimum_count": "min_n",
    "maximum_margin_of_error": "max_margin",
}

# Survey field -> PlanTargets attribute.
TARGET_FIELDS = {
    "target_population": "population_size",
    "target_margin_of_error": "margin_of_error",
    "target_confidence_level": "confidence_level",
    "target_response_rate": "response_rate",
    "target_eligibility_rate": "eligibility_rate",
    "target_expected_proportion": "proportion",
    "target_sample_size": "sample_size",
}
_FIELD_OF_TARGET = {attribute: field for field, attribute in TARGET_FIELDS.items()}


def invalid_input(error: ss.SampleSizeInputError, names: Mapping[str, str]) -> InvalidInput:
    """Return the core's refusal as InvalidInput whose field is the parameter's public name."""
    text = error.message.render(_)
    return InvalidInput(text, fields={names.get(error.parameter, error.parameter): [text]})


# --- one calculation ------------------------------------------------------------------------


def _refuse(field: str, text: str) -> InvalidInput:
    return InvalidInput(text, fields={field: [text]})


def _require(given: Mapping[str, Any], option: str, kind: str) -> Any:
    if given.get(option) is None:
        raise _refuse(option, _("{kind} needs {option}.").format(kind=kind, option=option))
    return given[option]


def _pick(given: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """Return the given options renamed to the core's parameter names."""
    return {parameter: given[option] for option, parameter in mapping.items() if given.get(option) is not None}


_PROPORTION = {
    "margin": "margin_of_error",
    "confidence": "confidence_level",
    "population": "population_size",
    "proportion": "proportion",
    "deff": "design_effect",
    "rounding": "rounding",
}
_POWER = {"alpha": "alpha", "alternative": "alternative", "ratio": "ratio"}


def _proportion(given: Mapping[str, Any]) -> tuple[object, ...]:
    _require(given, "margin", "proportion")
    return (ss.estimate_proportion_sample_size(**_pick(given, _PROPORTION)),)


def _margin(given: Mapping[str, Any]) -> tuple[object, ...]:
    n = _require(given, "n", "margin")
    common = _pick(given, {"confidence": "confidence_level", "population": "population_size", "deff": "design_effect"})
    if given.get("sd") is not None:
        if given.get("proportion") is not None:
            raise _refuse("sd", _("Give either proportion or sd, not both."))
        return (ss.estimate_mean_margin_of_error(n=n, standard_deviation=given["sd"], **common),)
    return (ss.estimate_margin_of_error(n=n, **common, **_pick(given, {"proportion": "proportion"})),)


def _mean(given: Mapping[str, Any]) -> tuple[object, ...]:
    _require(given, "sd", "mean")
    _require(given, "margin", "mean")
    parameters = {**_PROPORTION, "sd": "standard_deviation"}
    del parameters["proportion"]
    return (ss.estimate_mean_sample_size(**_pick(given, parameters)),)


def _invitations(given: Mapping[str, Any]) -> tuple[object, ...]:
    _require(given, "response_rate", "invitations")
    rates = _pick(given, {"response_rate": "response_rate", "eligibility_rate": "eligibility_rate"})
    population = given.get("population")
    if given.get("n") is not None:
        if given.get("margin") is not None:
            raise _refuse("n", _("Give either n or margin, not both."))
        return (ss.estimate_invitations(required_responses=given["n"], population_size=population, **rates),)
    if given.get("margin") is None:
        raise _refuse("n", _("invitations needs n or margin."))
    sample = ss.estimate_proportion_sample_size(**_pick(given, _PROPORTION))
    invitations = ss.estimate_invitations(
        required_responses=sample.required_responses, population_size=population, **rates
    )
    return sample, invitations


def power_question(given: Mapping[str, Any], effect: str) -> str:
    """Return "power", "size" or "effect": the one of power, n and the effect the options leave open."""
    has_effect, has_n = given.get(effect) is not None, given.get("n") is not None
    if has_effect and has_n:
        if given.get("power") is not None:
            raise _refuse(
                "power",
                _("Leave one of {effect}, n and power out: it is what is computed.").format(effect=effect),
            )
        return "power"
    if has_effect:
        return "size"
    if has_n:
        return "effect"
    raise _refuse(effect, _("Give {effect} or n.").format(effect=effect))


def _two_proportions(given: Mapping[str, Any]) -> tuple[object, ...]:
    p1 = _require(given, "p1", "two-proportions")
    options = _pick(given, {**_POWER, "method": "method"})
    power = _pick(given, {"power": "power"})
    match power_question(given, "p2"):
        case "power":
            return (ss.compute_two_proportions_power(p1=p1, p2=given["p2"], n=given["n"], **options),)
        case "size":
            return (ss.estimate_two_proportions_sample_size(p1=p1, p2=given["p2"], **options, **power),)
    direction = _pick(given, {"direction": "direction"})
    return (ss.estimate_two_proportions_detectable_effect(p1=p1, n=given["n"], **options, **power, **direction),)


def _two_means(given: Mapping[str, Any]) -> tuple[object, ...]:
    options = _pick(given, _POWER)
    power = _pick(given, {"power": "power"})
    match power_question(given, "effect_size"):
        case "power":
            return (ss.compute_two_means_power(effect_size=given["effect_size"], n=given["n"], **options),)
        case "size":
            return (ss.estimate_two_means_sample_size(effect_size=given["effect_size"], **options, **power),)
    return (ss.estimate_two_means_detectable_effect(n=given["n"], **options, **power),)


def _chi_square(given: Mapping[str, Any]) -> tuple[object, ...]:
    df = _require(given, "df", "chi-square")
    options = _pick(given, {"alpha": "alpha"})
    power = _pick(given, {"power": "power"})
    match power_question(given, "effect_size"):
        case "power":
            return (ss.compute_chi_square_power(effect_size=given["effect_size"], df=df, n=given["n"], **options),)
        case "size":
            return (ss.estimate_chi_square_sample_size(effect_size=given["effect_size"], df=df, **options, **power),)
    return (ss.estimate_chi_square_detectable_effect(df=df, n=given["n"], **options, **power),)


def _segments(given: Mapping[str, Any]) -> tuple[object, ...]:
    _require(given, "segments", "segments")
    _require(given, "difference", "segments")
    parameters = {
        "segments": "segments",
        "difference": "difference",
        "proportion": "baseline_proportion",
        "adjust_alpha": "adjust_alpha",
        "power": "power",
        "method": "method",
        **_POWER,
    }
    del parameters["ratio"]
    return (ss.estimate_segment_sample_size(**_pick(given, parameters)),)


def _segment_margins(given: Mapping[str, Any]) -> tuple[object, ...]:
    counts = _require(given, "counts", "segment-margins")
    parameters = {
        "confidence": "confidence_level",
        "proportion": "proportion",
        "deff": "design_effect",
        "populations": "population_sizes",
        "min_n": "minimum_count",
        "max_margin": "maximum_margin_of_error",
    }
    unknown = set(given.get("populations") or {}) - set(counts)
    if unknown:
        raise _refuse(
            "populations",
            _("These segments have a population but no count: {names}.").format(names=", ".join(sorted(unknown))),
        )
    return (segment_precision(counts, **_pick(given, parameters)),)


CALCULATIONS: Mapping[str, Callable[[Mapping[str, Any]], tuple[object, ...]]] = {
    "proportion": _proportion,
    "margin": _margin,
    "mean": _mean,
    "invitations": _invitations,
    "two-proportions": _two_proportions,
    "two-means": _two_means,
    "chi-square": _chi_square,
    "segments": _segments,
    "segment-margins": _segment_margins,
}


def calculate(kind: str, given: Mapping[str, Any]) -> tuple[object, ...]:
    """Return the results of calculation ``kind``: the answer last, any input it was derived from first.

    ``given`` holds options named as the command's (None means "not given"). A missing or
    refused option raises InvalidInput whose ``fields`` name that option.
    """
    try:
        return CALCULATIONS[kind](given)
    except ss.SampleSizeInputError as error:
        names = dict(OPTION_NAMES)
        if kind == "segment-margins":
            # A count above its segment's population is reported by the margin of error as "n".
            names |= {"n": "counts", "population_size": "populations"}
        raise invalid_input(error, names) from None


# --- a survey's plan ------------------------------------------------------------------------


def targets_from(values: Mapping[str, Any]) -> PlanTargets:
    """Return PlanTargets from ``target_*`` values (a survey's fields or submitted ones)."""
    return PlanTargets(**{attribute: values.get(field) for field, attribute in TARGET_FIELDS.items()})


def stored_targets(survey: Survey) -> dict[str, Any]:
    return {field: getattr(survey, field) for field in TARGET_FIELDS}


def plan_for_targets(values: Mapping[str, Any]) -> SurveyPlan:
    """Return the plan for ``target_*`` values; a bad target raises InvalidInput naming its field."""
    try:
        return plan_survey(targets_from(values))
    except ss.SampleSizeInputError as error:
        raise invalid_input(error, _FIELD_OF_TARGET) from None


def plan_for_survey(survey: Survey) -> SurveyPlan:
    """Return the plan the survey's stored targets imply."""
    targets = stored_targets(survey)
    if targets["target_margin_of_error"] is not None:
        targets["target_sample_size"] = None  # stored, but derived from the margin
    return plan_for_targets(targets)


def percent(value: float) -> str:
    """Return 0.05 as "5%" and 0.035 as "3.5%", in the active language's number format."""
    shown = round(value * 100, 1)
    return number_format(shown, decimal_pos=0 if shown.is_integer() else 1) + "%"


def explain_plan(plan: SurveyPlan) -> str:
    """Return what the plan means in plain words, in the active language."""
    targets = plan.targets
    if plan.required_responses is None:
        return _(
            "Enter the margin of error you can accept (for example 5%) to see how many answers you need, "
            "or the number of answers you plan to collect to see how precise they will be."
        )
    values = {
        "n": number_format(plan.required_responses, force_grouping=True),
        "confidence": percent(plan.confidence_level),
        "population": number_format(targets.population_size or 0, force_grouping=True),
    }
    if plan.sample_size is not None:
        values["margin"] = percent(plan.sample_size.margin_of_error)
        if targets.population_size:
            sentences = [
                _(
                    "To estimate a percentage among {population} people within ±{margin} with {confidence} "
                    "confidence, you need {n} completed answers."
                ).format(**values)
            ]
        else:
            sentences = [
                _(
                    "To estimate a percentage within ±{margin} with {confidence} confidence, "
                    "you need {n} completed answers."
                ).format(**values)
            ]
    else:
        values["margin"] = percent(plan.margin.margin_of_error) if plan.margin else "?"
        sentences = [
            _(
                "With {n} completed answers, a percentage is known within ±{margin} with {confidence} confidence."
            ).format(**values)
        ]
    if plan.invitations is not None:
        invitations = plan.invitations
        values |= {
            "invitations": number_format(invitations.invitations, force_grouping=True),
            "rate": percent(invitations.response_rate),
            "eligible": percent(invitations.eligibility_rate),
        }
        if invitations.eligibility_rate < 1:
            sentences.append(
                _(
                    "If {rate} of the people you invite answer and {eligible} of them qualify, "
                    "invite {invitations} people."
                ).format(**values)
            )
        else:
            sentences.append(
                _("If {rate} of the people you invite answer, invite {invitations} people.").format(**values)
            )
        if invitations.exceeds_population:
            sentences.append(
                _(
                    "That is more people than the population of {population}: expect a wider margin, "
                    "or find ways to raise the response rate."
                ).format(**values)
            )
    elif targets.response_rate is None:
        sentences.append(_("Enter the response rate you expect to see how many people to invite."))
    return " ".join(sentences)
