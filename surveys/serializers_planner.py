"""Request and response shapes of the sample-size planner API.

Requests name their parameters as the ``sample_size`` command's options (``margin``,
``confidence``, ``population``, ``deff`` …) and check types only: ranges are the core's to check,
so the API, the command and the pages refuse the same values with the same messages.
Responses are the core's result dataclasses, field for field: their serializers are derived from
the dataclasses, so a field added to a result appears in the API and its schema at once.
"""

import dataclasses
import enum
import re
import types
import typing
from functools import cache
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from surveys.core import sample_size as ss
from surveys.core.messages import Message
from surveys.core.precision import SegmentPrecision


class StrictSerializer(serializers.Serializer):
    """Refuse parameters the calculation does not take: a misspelt option must not be ignored."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This calculation does not take this parameter.")] for name in unknown}
            )
        return attrs


def _float(help_text: str, **kwargs: Any) -> serializers.FloatField:
    return serializers.FloatField(required=False, allow_null=True, help_text=help_text, **kwargs)


def _int(help_text: str, **kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, allow_null=True, help_text=help_text, **kwargs)


def _choice(choices: type[enum.Enum], help_text: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=[(member.value, member.value) for member in choices],
        required=False,
        allow_null=True,
        help_text=help_text,
    )


MARGIN = "Margin of error: 0.05 for ±5 points (a mean's margin is in the unit of the answers)."
CONFIDENCE = "Confidence level in (0, 1); 0.95 when left out."
POPULATION = "Population size N, for the finite-population correction."
PROPORTION = "Expected proportion in (0, 1); 0.5 (the worst case) when left out."
DEFF = "Design effect (Kish); 1 when left out."
ROUNDING = "`ceil` (default) guarantees the margin; `nearest` reproduces Krejcie & Morgan's table."
ALPHA = "Significance level; 0.05 when left out."
POWER = "Target power; 0.8 when left out."
RATIO = "Allocation ratio n2/n1; 1 when left out."
ALTERNATIVE = "`two-sided` (default) or `one-sided` in the direction of the effect."
METHOD = "`pooled` (as R's power.prop.test, default) or `arcsine` (Cohen's h)."


class ProportionInputSerializer(StrictSerializer):
    margin = serializers.FloatField(help_text=MARGIN)
    confidence = _float(CONFIDENCE)
    population = _int(POPULATION)
    proportion = _float(PROPORTION)
    deff = _float(DEFF)
    rounding = _choice(ss.Rounding, ROUNDING)


class MarginInputSerializer(StrictSerializer):
    n = serializers.IntegerField(help_text="Answers received or planned.")
    confidence = _float(CONFIDENCE)
    population = _int(POPULATION)
    proportion = _float(PROPORTION + " Leave out when `sd` is given.")
    deff = _float(DEFF)
    sd = _float("Standard deviation: gives the margin of a mean instead of a proportion.")


class MeanInputSerializer(StrictSerializer):
    sd = serializers.FloatField(help_text="Expected standard deviation of the answers.")
    margin = serializers.FloatField(help_text="Margin of error, in the unit of the answers.")
    confidence = _float(CONFIDENCE)
    population = _int(POPULATION)
    deff = _float(DEFF)
    rounding = _choice(ss.Rounding, ROUNDING)


class InvitationsInputSerializer(StrictSerializer):
    response_rate = serializers.FloatField(help_text="Expected share of invited people who answer, in (0, 1].")
    eligibility_rate = _float("Expected share of respondents who qualify, in (0, 1]; 1 when left out.")
    n = _int("Answers needed. Or give `margin` (and the proportion options) to compute them.")
    margin = _float(MARGIN)
    confidence = _float(CONFIDENCE)
    population = _int(POPULATION)
    proportion = _float(PROPORTION)
    deff = _float(DEFF)
    rounding = _choice(ss.Rounding, ROUNDING)


POWER_QUESTION = (
    " Give the effect and `n` for the power, the effect alone for the size at `power`, "
    "or `n` alone for the minimum detectable effect."
)


class TwoProportionsInputSerializer(StrictSerializer):
    p1 = serializers.FloatField(help_text="Proportion in group 1 (the baseline).")
    p2 = _float("Proportion in group 2." + POWER_QUESTION)
    n = _int("Answers in group 1 (group 2 gets ratio × n).")
    alpha = _float(ALPHA)
    power = _float(POWER)
    ratio = _float(RATIO)
    alternative = _choice(ss.Alternative, ALTERNATIVE)
    method = _choice(ss.ProportionTestMethod, METHOD)
    direction = _choice(ss.Direction, "For the minimum detectable effect: p2 above (default) or below p1.")


class TwoMeansInputSerializer(StrictSerializer):
    effect_size = _float("Cohen's d = (μ1 − μ2)/σ." + POWER_QUESTION)
    n = _int("Answers in group 1 (group 2 gets ratio × n).")
    alpha = _float(ALPHA)
    power = _float(POWER)
    ratio = _float(RATIO)
    alternative = _choice(ss.Alternative, ALTERNATIVE)


class ChiSquareInputSerializer(StrictSerializer):
    effect_size = _float("Cohen's w (0.1 small, 0.3 medium, 0.5 large)." + POWER_QUESTION)
    df = serializers.IntegerField(help_text="Degrees of freedom: (rows − 1)(columns − 1), or categories − 1.")
    n = _int("Answers.")
    alpha = _float(ALPHA)
    power = _float(POWER)


class SegmentsInputSerializer(StrictSerializer):
    segments = serializers.IntegerField(help_text="Number of segments to compare, at least 2.")
    difference = serializers.FloatField(
        help_text="Smallest difference in proportion worth detecting (0.1 = 10 points)."
    )
    proportion = _float("Proportion expected in a segment; 0.5 when left out.")
    alpha = _float(ALPHA)
    power = _float(POWER)
    alternative = _choice(ss.Alternative, ALTERNATIVE)
    method = _choice(ss.ProportionTestMethod, METHOD)
    adjust_alpha = serializers.BooleanField(
        required=False, default=False, help_text="Split alpha over all pairs of segments (Bonferroni)."
    )


class SegmentMarginsInputSerializer(StrictSerializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text='Answers so far per segment, e.g. {"Hà Nội": 120}.'
    )
    populations = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        help_text="People per segment in the population, for the finite-population correction.",
    )
    confidence = _float(CONFIDENCE)
    proportion = _float(PROPORTION)
    deff = _float(DEFF)
    min_n = _int("Segments with fewer answers are marked too small; 30 when left out.")
    max_margin = _float("Segments with a wider margin are marked too small as well.")


INPUT_SERIALIZERS: dict[str, type[StrictSerializer]] = {
    "proportion": ProportionInputSerializer,
    "margin": MarginInputSerializer,
    "mean": MeanInputSerializer,
    "invitations": InvitationsInputSerializer,
    "two-proportions": TwoProportionsInputSerializer,
    "two-means": TwoMeansInputSerializer,
    "chi-square": ChiSquareInputSerializer,
    "segments": SegmentsInputSerializer,
    "segment-margins": SegmentMarginsInputSerializer,
}


# --- results, derived from the core's dataclasses ---------------------------------------------


class MessageField(serializers.CharField):
    """A core ``Message`` rendered in the request's language."""

    def to_representation(self, value: Message) -> str:
        return value.render(_)


def result_name(cls: type) -> str:
    """Return ``two_proportions_power`` for ``TwoProportionsPower``: the ``result`` discriminator."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def _field_for(annotation: Any) -> serializers.Field:
    allow_null = False
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        arguments = [argument for argument in typing.get_args(annotation) if argument is not type(None)]
        allow_null, annotation = True, arguments[0]
    if annotation is Message:  # before the dataclasses: a Message is one, but is shown as its text
        return MessageField(allow_null=allow_null)
    if dataclasses.is_dataclass(annotation):
        return dataclass_serializer(annotation)(allow_null=allow_null)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return serializers.ChoiceField(choices=[(m.value, m.value) for m in annotation], allow_null=allow_null)
    field_class = {bool: serializers.BooleanField, int: serializers.IntegerField, float: serializers.FloatField}.get(
        annotation, serializers.CharField
    )
    return field_class(allow_null=allow_null)


@cache
def dataclass_serializer(cls: type) -> type[serializers.Serializer]:
    """Return a read-only serializer with one field per field of the dataclass ``cls``."""
    hints = typing.get_type_hints(cls)
    attributes: dict[str, Any] = {f.name: _field_for(hints[f.name]) for f in dataclasses.fields(cls)}
    attributes["__doc__"] = cls.__doc__
    return type(f"{cls.__name__}OutputSerializer", (serializers.Serializer,), attributes)


def _constant_field(value: str, description: str) -> serializers.Field:
    """Return a string field documented as the one value it holds, so that ``oneOf`` branches exclude each other."""
    schema = {"type": "string", "enum": [value], "description": description}
    return extend_schema_field(schema)(type(f"{value}Field", (serializers.CharField,), {}))()


@cache
def result_serializer(cls: type) -> type[serializers.Serializer]:
    """Return the response serializer of a calculation whose answer is a ``cls``."""
    attributes: dict[str, Any] = {
        "kind": serializers.CharField(help_text="The calculation, as in the URL."),
        "result": _constant_field(result_name(cls), "What the fields below describe."),
        "__doc__": cls.__doc__,
    }
    if cls is ss.InvitationEstimate:
        attributes["sample_size"] = dataclass_serializer(ss.ProportionSampleSize)(
            required=False, help_text="The answers needed, when they were computed from `margin`."
        )
    return type(f"{cls.__name__}ResultSerializer", (dataclass_serializer(cls),), attributes)


class SegmentMarginsResultSerializer(serializers.Serializer):
    """Each segment's margin of error, with segments that have too few answers marked."""

    kind = serializers.CharField(help_text="The calculation, as in the URL.")
    result = serializers.CharField(help_text="`segment_precision`.")
    segments = dataclass_serializer(SegmentPrecision)(many=True)


def _polymorphic(name: str, *classes: type) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name=name,
        serializers={result_name(cls): result_serializer(cls) for cls in classes},
        resource_type_field_name="result",
    )


def response_schema(kind: str) -> Any:
    """Return the schema of the response of calculation ``kind``."""
    match kind:
        case "proportion":
            return result_serializer(ss.ProportionSampleSize)
        case "margin":
            return _polymorphic("MarginResult", ss.MarginOfError, ss.MeanMarginOfError)
        case "mean":
            return result_serializer(ss.MeanSampleSize)
        case "invitations":
            return result_serializer(ss.InvitationEstimate)
        case "two-proportions":
            return _polymorphic(
                "TwoProportionsResult",
                ss.TwoProportionsSampleSize,
                ss.TwoProportionsPower,
                ss.TwoProportionsDetectableEffect,
            )
        case "two-means":
            return _polymorphic("TwoMeansResult", ss.TwoMeansSampleSize, ss.TwoMeansPower, ss.TwoMeansDetectableEffect)
        case "chi-square":
            return _polymorphic(
                "ChiSquareResult", ss.ChiSquareSampleSize, ss.ChiSquarePower, ss.ChiSquareDetectableEffect
            )
        case "segments":
            return result_serializer(ss.SegmentSampleSize)
        case "segment-margins":
            return SegmentMarginsResultSerializer
    raise KeyError(kind)


def serialize_results(kind: str, results: tuple[object, ...]) -> dict[str, Any]:
    """Return the response body: the answer's fields, with the input it was derived from."""
    *inputs, answer = results
    if kind == "segment-margins":
        return SegmentMarginsResultSerializer({"kind": kind, "result": "segment_precision", "segments": answer}).data
    values = {f.name: getattr(answer, f.name) for f in dataclasses.fields(answer)}
    values |= {"kind": kind, "result": result_name(type(answer))}
    if inputs:
        values["sample_size"] = inputs[0]
    return result_serializer(type(answer))(values).data


# --- a survey's plan --------------------------------------------------------------------------


class SurveyPlanInputSerializer(serializers.Serializer):
    """The survey's targets; a target left out or null is cleared (PUT replaces the whole plan)."""

    target_population = _int("People the survey is about (customers, members); optional.")
    target_margin_of_error = _float("Margin of error to reach, e.g. 0.05 for ±5 points.")
    target_confidence_level = _float(CONFIDENCE)
    target_response_rate = _float("Expected share of invited people who answer, in (0, 1].")
    target_eligibility_rate = _float("Expected share of respondents who qualify, in (0, 1]; 1 when left out.")
    target_expected_proportion = _float(PROPORTION)
    target_sample_size = _int("Answers you plan to collect, only without a margin of error (then derived from it).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: [_("This is not a planner target.")] for name in unknown})
        return {name: attrs.get(name) for name in self.fields}


class SurveyPlanOutputSerializer(serializers.Serializer):
    """The survey's stored targets and the answers and invitations they imply."""

    target_population = serializers.IntegerField(allow_null=True)
    target_margin_of_error = serializers.FloatField(allow_null=True)
    target_confidence_level = serializers.FloatField(allow_null=True)
    target_response_rate = serializers.FloatField(allow_null=True)
    target_eligibility_rate = serializers.FloatField(allow_null=True)
    target_expected_proportion = serializers.FloatField(allow_null=True)
    target_sample_size = serializers.IntegerField(
        allow_null=True, help_text="Answers needed as stored: derived from the margin when one is set."
    )
    confidence_level = serializers.FloatField(help_text="The confidence level used (0.95 when no target).")
    proportion = serializers.FloatField(help_text="The expected proportion used (0.5 when no target).")
    eligibility_rate = serializers.FloatField(help_text="The eligibility rate used (1 when no target).")
    required_responses = serializers.IntegerField(allow_null=True, help_text="Completed answers needed.")
    invitations = serializers.IntegerField(allow_null=True, help_text="People to invite; null without a response rate.")
    sample_size = dataclass_serializer(ss.ProportionSampleSize)(
        allow_null=True, help_text="Cochran's calculation, when planned from a margin of error."
    )
    margin = dataclass_serializer(ss.MarginOfError)(
        allow_null=True, help_text="The margin the chosen answers give, when planned from a number of answers."
    )
    invitation_estimate = dataclass_serializer(ss.InvitationEstimate)(
        allow_null=True, help_text="The invitations calculation, when a response rate is given."
    )
    explanation = serializers.CharField(help_text="What the plan means, in plain words, in the request's language.")
