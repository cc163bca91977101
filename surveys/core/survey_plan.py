"""A survey's sample-size plan: the targets a researcher stores and the answers and invitations they imply.

The plan is either driven by a margin of error (the answers needed are computed with Cochran's
formula) or by a number of answers the researcher chose (the margin it gives is computed), never
both. Every target is checked by the sample-size core, so the API, the builder panel and the
survey settings refuse the same values with the same messages.
"""

from dataclasses import dataclass

from surveys.core.messages import gettext_noop, message
from surveys.core.sample_size import (
    InvitationEstimate,
    MarginOfError,
    ProportionSampleSize,
    SampleSizeInputError,
    estimate_invitations,
    estimate_margin_of_error,
    estimate_proportion_sample_size,
)

DEFAULT_CONFIDENCE_LEVEL = 0.95
DEFAULT_PROPORTION = 0.5  # the worst case: the largest sample
DEFAULT_ELIGIBILITY_RATE = 1.0


@dataclass(frozen=True, slots=True)
class PlanTargets:
    """What the researcher stored; None means "not given" (the defaults above apply)."""

    population_size: int | None = None
    margin_of_error: float | None = None
    confidence_level: float | None = None
    response_rate: float | None = None
    eligibility_rate: float | None = None
    proportion: float | None = None
    sample_size: int | None = None  # answers chosen directly, only without a margin of error


@dataclass(frozen=True, slots=True)
class SurveyPlan:
    """The answers and invitations a survey needs, with the calculations behind them."""

    targets: PlanTargets
    confidence_level: float  # as used: the target or the default
    proportion: float
    eligibility_rate: float
    sample_size: ProportionSampleSize | None  # when planned from a margin of error
    margin: MarginOfError | None  # when planned from a number of answers
    invitations: InvitationEstimate | None  # when a response rate is given and answers are known
    required_responses: int | None

    @property
    def is_complete(self) -> bool:
        return self.required_responses is not None

    @property
    def invitations_needed(self) -> int | None:
        return self.invitations.invitations if self.invitations is not None else None


# The core names parameters after its functions; a plan names them after the targets.
PLAN_PARAMETERS = {
    "population_size": "population_size",
    "margin_of_error": "margin_of_error",
    "confidence_level": "confidence_level",
    "response_rate": "response_rate",
    "eligibility_rate": "eligibility_rate",
    "proportion": "proportion",
    "n": "sample_size",
    "required_responses": "sample_size",
}


def _renamed(error: SampleSizeInputError) -> SampleSizeInputError:
    return SampleSizeInputError(PLAN_PARAMETERS.get(error.parameter, error.parameter), error.message)


def plan_survey(targets: PlanTargets) -> SurveyPlan:
    """Return the plan the targets imply, checking every given target.

    Raises
    ------
    SampleSizeInputError
        A target outside its domain, or both a margin and a number of answers; ``parameter`` is
        the name of the target in ``PlanTargets``.
    """
    confidence = DEFAULT_CONFIDENCE_LEVEL if targets.confidence_level is None else targets.confidence_level
    proportion = DEFAULT_PROPORTION if targets.proportion is None else targets.proportion
    eligibility = DEFAULT_ELIGIBILITY_RATE if targets.eligibility_rate is None else targets.eligibility_rate
    if targets.margin_of_error is not None and targets.sample_size is not None:
        raise SampleSizeInputError(
            "sample_size",
            message(
                gettext_noop(
                    "Give either a margin of error or the number of answers needed, not both: "
                    "the answers needed are computed from the margin."
                )
            ),
        )
    try:
        # Checks confidence, proportion and population even when no margin is given.
        sample_size = estimate_proportion_sample_size(
            margin_of_error=0.05 if targets.margin_of_error is None else targets.margin_of_error,
            confidence_level=confidence,
            proportion=proportion,
            population_size=targets.population_size,
        )
        if targets.margin_of_error is None:
            sample_size = None
        margin = (
            estimate_margin_of_error(
                n=targets.sample_size,
                confidence_level=confidence,
                proportion=proportion,
                population_size=targets.population_size,
            )
            if targets.sample_size is not None
            else None
        )
        required = sample_size.required_responses if sample_size else targets.sample_size
        # The rates are checked even before the answers needed are known.
        invitations = estimate_invitations(
            required_responses=required or 1,
            response_rate=1.0 if targets.response_rate is None else targets.response_rate,
            eligibility_rate=eligibility,
            population_size=targets.population_size,
        )
    except SampleSizeInputError as error:
        raise _renamed(error) from None
    return SurveyPlan(
        targets=targets,
        confidence_level=float(confidence),
        proportion=float(proportion),
        eligibility_rate=float(eligibility),
        sample_size=sample_size,
        margin=margin,
        invitations=invitations if required is not None and targets.response_rate is not None else None,
        required_responses=required,
    )
