"""``manage.py sample_size KIND [options] [--json]``: the sample-size planner on the command line.

KIND is one of proportion, margin, mean, invitations, two-proportions, two-means, chi-square.
The power kinds answer whichever question their options leave open: with the effect and
``--n`` they give the power, with the effect alone the size for ``--power``, and with ``--n``
alone the minimum detectable effect.
"""

import json
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import asdict, fields
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from surveys.core import sample_size as ss

PROPORTION_OPTIONS = frozenset({"margin", "confidence", "population", "proportion", "deff", "rounding"})
POWER_OPTIONS = frozenset({"n", "alpha", "power", "ratio", "alternative"})
ALLOWED_OPTIONS: Mapping[str, frozenset[str]] = {
    "proportion": PROPORTION_OPTIONS,
    "margin": frozenset({"n", "confidence", "population", "proportion", "deff", "sd"}),
    "mean": frozenset({"sd", "margin", "confidence", "population", "deff", "rounding"}),
    "invitations": PROPORTION_OPTIONS | {"n", "response_rate", "eligibility_rate"},
    "two-proportions": POWER_OPTIONS | {"p1", "p2", "method"},
    "two-means": POWER_OPTIONS | {"effect_size"},
    "chi-square": (POWER_OPTIONS - {"ratio", "alternative"}) | {"effect_size", "df"},
}
OPTION_DESTS = frozenset().union(*ALLOWED_OPTIONS.values())


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _number(value: float) -> str:
    return f"{value:.6g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"


def _format_value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _labels() -> dict[str, str]:
    """Return the translated label of every result field (built per call: the language may change)."""
    return {
        "formula": _("Formula"),
        "proportion": _("Expected proportion"),
        "margin_of_error": _("Margin of error"),
        "confidence_level": _("Confidence level"),
        "population_size": _("Population size"),
        "design_effect": _("Design effect"),
        "rounding": _("Rounding"),
        "z": _("z"),
        "n0": _("n0 (infinite population)"),
        "n_design": _("n0 × design effect"),
        "n_corrected": _("n after the finite-population correction"),
        "required_responses": _("Responses needed"),
        "n": _("Answers"),
        "finite_population_correction": _("Finite-population correction"),
        "standard_error": _("Standard error"),
        "standard_deviation": _("Standard deviation"),
        "response_rate": _("Response rate"),
        "eligibility_rate": _("Eligibility rate"),
        "completion_rate": _("Completion rate"),
        "invitations_exact": _("Invitations (exact)"),
        "invitations": _("Invitations needed"),
        "exceeds_population": _("More invitations than the population"),
        "method": _("Method"),
        "p1": _("Proportion in group 1 (p1)"),
        "p2": _("Proportion in group 2 (p2)"),
        "difference": _("Difference (p2 − p1)"),
        "cohens_h": _("Cohen's h"),
        "alpha": _("Significance level (alpha)"),
        "power": _("Power"),
        "alternative": _("Alternative"),
        "ratio": _("Allocation ratio (n2/n1)"),
        "z_alpha": _("z for alpha"),
        "z_beta": _("z for power"),
        "n_group1_exact": _("Group 1 size (exact)"),
        "n_group1": _("Group 1 size"),
        "n_group2": _("Group 2 size"),
        "total": _("Total answers"),
        "achieved_power": _("Power at these sizes"),
        "direction": _("Direction"),
        "effect_size": _("Effect size"),
        "df": _("Degrees of freedom"),
        "critical_t": _("Critical t"),
        "critical_value": _("Critical value"),
        "noncentrality": _("Noncentrality"),
        "n_exact": _("Answers (exact)"),
    }


def _headline(result: object) -> str:
    """Return the one-sentence answer a researcher reads first."""
    match result:
        case ss.ProportionSampleSize() | ss.MeanSampleSize():
            return _("Responses needed: {n}").format(n=result.required_responses)
        case ss.MarginOfError() | ss.MeanMarginOfError():
            return _("Margin of error: ±{margin}").format(margin=_number(result.margin_of_error))
        case ss.InvitationEstimate():
            return _("Invitations needed: {invitations} for {responses} responses").format(
                invitations=result.invitations, responses=result.required_responses
            )
        case ss.TwoProportionsSampleSize() | ss.TwoMeansSampleSize():
            return _("Answers needed: {n1} in group 1 and {n2} in group 2 ({total} in total)").format(
                n1=result.n_group1, n2=result.n_group2, total=result.total
            )
        case ss.ChiSquareSampleSize():
            return _("Answers needed: {n}").format(n=result.n)
        case ss.TwoProportionsPower() | ss.TwoMeansPower() | ss.ChiSquarePower():
            return _("Power: {power}").format(power=_number(result.power))
        case ss.TwoProportionsDetectableEffect():
            return _("Smallest detectable p2: {p2} (difference {difference})").format(
                p2=_number(result.p2), difference=_number(result.difference)
            )
        case ss.TwoMeansDetectableEffect() | ss.ChiSquareDetectableEffect():
            return _("Smallest detectable effect size: {effect}").format(effect=_number(result.effect_size))
    raise TypeError(type(result).__name__)


class Command(BaseCommand):
    requires_system_checks = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse cannot format a lazy string, so the description is translated when the parser is built.
        self.help = _("Compute sample sizes, margins of error, invitations and power for survey planning.")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=list(ALLOWED_OPTIONS), help=_("What to compute."))
        parser.add_argument("--margin", type=float, help=_("Margin of error (0.05 for ±5 points; a mean's unit)."))
        parser.add_argument("--confidence", type=float, help=_("Confidence level (default 0.95)."))
        parser.add_argument("--population", type=int, help=_("Population size, for the finite-population correction."))
        parser.add_argument("--proportion", type=float, help=_("Expected proportion (default 0.5, the worst case)."))
        parser.add_argument("--deff", type=float, help=_("Design effect (default 1)."))
        parser.add_argument("--rounding", choices=[r.value for r in ss.Rounding], help=_("Rounding (default ceil)."))
        parser.add_argument("--n", type=int, help=_("Answers (per group for two-group tests)."))
        parser.add_argument("--sd", type=float, help=_("Standard deviation of the answers."))
        parser.add_argument("--response-rate", type=float, help=_("Expected response rate, in (0, 1]."))
        parser.add_argument("--eligibility-rate", type=float, help=_("Expected eligibility rate (default 1)."))
        parser.add_argument("--p1", type=float, help=_("Proportion in group 1 (the baseline)."))
        parser.add_argument("--p2", type=float, help=_("Proportion in group 2."))
        parser.add_argument("--alpha", type=float, help=_("Significance level (default 0.05)."))
        parser.add_argument("--power", type=float, help=_("Target power (default 0.8)."))
        parser.add_argument("--ratio", type=float, help=_("Allocation ratio n2/n1 (default 1)."))
        parser.add_argument(
            "--method", choices=[m.value for m in ss.ProportionTestMethod], help=_("Two-proportion method.")
        )
        parser.add_argument(
            "--alternative", choices=[a.value for a in ss.Alternative], help=_("Two-sided (default) or one-sided.")
        )
        parser.add_argument("--effect-size", type=float, help=_("Cohen's d (two-means) or Cohen's w (chi-square)."))
        parser.add_argument("--df", type=int, help=_("Degrees of freedom (chi-square)."))
        parser.add_argument("--json", action="store_true", help=_("Print one JSON object with every result field."))
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], help=_("Language of the output.")
        )

    def handle(self, *args: Any, kind: str, language: str | None, **options: Any) -> None:
        with translation.override(language) if language else nullcontext():
            given = {dest: options[dest] for dest in OPTION_DESTS if options.get(dest) is not None}
            not_applicable = sorted(set(given) - ALLOWED_OPTIONS[kind])
            if not_applicable:
                raise CommandError(
                    _("{options} does not apply to {kind}.").format(
                        options=", ".join(_flag(dest) for dest in not_applicable), kind=kind
                    )
                )
            try:
                results = CALCULATIONS[kind](given)
            except ss.SampleSizeInputError as error:
                raise CommandError(error.message.render(_)) from error
            self.stdout.write(self._as_json(kind, results) if options["json"] else self._as_text(results))

    @staticmethod
    def _as_json(kind: str, results: tuple[object, ...]) -> str:
        *inputs, result = results
        payload: dict[str, Any] = {"kind": kind, **asdict(result)}
        if inputs:
            payload["sample_size"] = asdict(inputs[0])
        return json.dumps(payload, ensure_ascii=False)

    @staticmethod
    def _as_text(results: tuple[object, ...]) -> str:
        labels = _labels()
        blocks = []
        for result in results:
            lines = [_headline(result)]
            lines += [f"  {labels[f.name]}: {_format_value(getattr(result, f.name))}" for f in fields(result)]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def _require(given: Mapping[str, Any], dest: str, kind: str) -> Any:
    if dest not in given:
        raise CommandError(_("{kind} needs {option}.").format(kind=kind, option=_flag(dest)))
    return given[dest]


def _pick(given: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """Return the given options renamed to the core's parameter names."""
    return {parameter: given[dest] for dest, parameter in mapping.items() if dest in given}


_PROPORTION_PARAMETERS = {
    "margin": "margin_of_error",
    "confidence": "confidence_level",
    "population": "population_size",
    "proportion": "proportion",
    "deff": "design_effect",
    "rounding": "rounding",
}
_POWER_PARAMETERS = {"alpha": "alpha", "alternative": "alternative", "ratio": "ratio"}


def _proportion(given: Mapping[str, Any]) -> tuple[object, ...]:
    _require(given, "margin", "proportion")
    return (ss.estimate_proportion_sample_size(**_pick(given, _PROPORTION_PARAMETERS)),)


def _margin(given: Mapping[str, Any]) -> tuple[object, ...]:
    n = _require(given, "n", "margin")
    common = _pick(given, {"confidence": "confidence_level", "population": "population_size", "deff": "design_effect"})
    if "sd" in given:
        if "proportion" in given:
            raise CommandError(_("Give either --proportion or --sd, not both."))
        return (ss.estimate_mean_margin_of_error(n=n, standard_deviation=given["sd"], **common),)
    return (ss.estimate_margin_of_error(n=n, **common, **_pick(given, {"proportion": "proportion"})),)


def _mean(given: Mapping[str, Any]) -> tuple[object, ...]:
    _require(given, "sd", "mean")
    _require(given, "margin", "mean")
    parameters = {**_PROPORTION_PARAMETERS, "sd": "standard_deviation"}
    del parameters["proportion"]
    return (ss.estimate_mean_sample_size(**_pick(given, parameters)),)


def _invitations(given: Mapping[str, Any]) -> tuple[object, ...]:
    rates = _pick(given, {"response_rate": "response_rate", "eligibility_rate": "eligibility_rate"})
    _require(given, "response_rate", "invitations")
    population = given.get("population")
    if "n" in given:
        if "margin" in given:
            raise CommandError(_("Give either --n or --margin, not both."))
        return (ss.estimate_invitations(required_responses=given["n"], population_size=population, **rates),)
    if "margin" not in given:
        raise CommandError(_("invitations needs --n or --margin."))
    sample = ss.estimate_proportion_sample_size(**_pick(given, _PROPORTION_PARAMETERS))
    invitations = ss.estimate_invitations(
        required_responses=sample.required_responses, population_size=population, **rates
    )
    return sample, invitations


def _power_question(given: Mapping[str, Any], effect: str, kind: str) -> str:
    """Return which of power, size or detectable effect the options ask for."""
    if effect in given and "n" in given:
        if "power" in given:
            raise CommandError(
                _("Leave one of {effect}, --n and --power out: it is what {kind} computes.").format(
                    effect=_flag(effect), kind=kind
                )
            )
        return "power"
    if effect in given:
        return "size"
    if "n" in given:
        return "effect"
    raise CommandError(_("{kind} needs {effect} or --n.").format(kind=kind, effect=_flag(effect)))


def _two_proportions(given: Mapping[str, Any]) -> tuple[object, ...]:
    p1 = _require(given, "p1", "two-proportions")
    options = {**_pick(given, _POWER_PARAMETERS), **_pick(given, {"method": "method"})}
    match _power_question(given, "p2", "two-proportions"):
        case "power":
            return (ss.compute_two_proportions_power(p1=p1, p2=given["p2"], n=given["n"], **options),)
        case "size":
            size = ss.estimate_two_proportions_sample_size(
                p1=p1, p2=given["p2"], **options, **_pick(given, {"power": "power"})
            )
            return (size,)
    return (
        ss.estimate_two_proportions_detectable_effect(
            p1=p1, n=given["n"], **options, **_pick(given, {"power": "power"})
        ),
    )


def _two_means(given: Mapping[str, Any]) -> tuple[object, ...]:
    options = _pick(given, _POWER_PARAMETERS)
    power = _pick(given, {"power": "power"})
    match _power_question(given, "effect_size", "two-means"):
        case "power":
            return (ss.compute_two_means_power(effect_size=given["effect_size"], n=given["n"], **options),)
        case "size":
            return (ss.estimate_two_means_sample_size(effect_size=given["effect_size"], **options, **power),)
    return (ss.estimate_two_means_detectable_effect(n=given["n"], **options, **power),)


def _chi_square(given: Mapping[str, Any]) -> tuple[object, ...]:
    df = _require(given, "df", "chi-square")
    options = _pick(given, {"alpha": "alpha"})
    power = _pick(given, {"power": "power"})
    match _power_question(given, "effect_size", "chi-square"):
        case "power":
            return (ss.compute_chi_square_power(effect_size=given["effect_size"], df=df, n=given["n"], **options),)
        case "size":
            return (ss.estimate_chi_square_sample_size(effect_size=given["effect_size"], df=df, **options, **power),)
    return (ss.estimate_chi_square_detectable_effect(df=df, n=given["n"], **options, **power),)


CALCULATIONS: Mapping[str, Callable[[Mapping[str, Any]], tuple[object, ...]]] = {
    "proportion": _proportion,
    "margin": _margin,
    "mean": _mean,
    "invitations": _invitations,
    "two-proportions": _two_proportions,
    "two-means": _two_means,
    "chi-square": _chi_square,
}
