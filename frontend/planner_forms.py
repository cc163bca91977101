"""Forms of the sample-size planner: the builder panel and the calculators page.

Researchers think in percentages, so shares (margins, rates, proportions, alpha, power) are typed
as percentages and cleaned into fractions; the parameters keep the names of the ``sample_size``
command's options, so ``surveys.planner.calculate`` takes the cleaned data as it is.
"""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend.forms import FieldTemplateMixin
from surveys.core import sample_size as ss


class PercentField(forms.FloatField):
    """A share typed as a percentage (5 for 5 %), cleaned into a fraction (0.05)."""

    def __init__(self, *, allow_hundred: bool = False, **kwargs: Any) -> None:
        self.allow_hundred = allow_hundred
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> float | None:
        percent = super().clean(value)
        if percent is None:
            return None
        if not (0 < percent < 100 or (self.allow_hundred and percent == 100)):
            raise forms.ValidationError(
                _("Enter a percentage above 0 and at most 100.")
                if self.allow_hundred
                else _("Enter a percentage above 0 and below 100.")
            )
        return percent / 100


def _number(label: Any, help_text: Any = "", **kwargs: Any) -> forms.FloatField:
    kwargs.setdefault("required", False)
    return forms.FloatField(label=label, help_text=help_text, widget=forms.NumberInput(attrs={"step": "any"}), **kwargs)


def _count(label: Any, help_text: Any = "", **kwargs: Any) -> forms.IntegerField:
    kwargs.setdefault("required", False)
    return forms.IntegerField(label=label, help_text=help_text, **kwargs)


CONFIDENCE_CHOICES = [("0.9", "90%"), ("0.95", "95%"), ("0.99", "99%")]


def _confidence() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Confidence level"),
        choices=CONFIDENCE_CHOICES,
        coerce=float,
        initial="0.95",
        # xgettext:no-python-format  ("% i" would otherwise be read as a %-directive)
        help_text=_("How sure you want to be that the true value lies within the margin; 95% is usual."),
    )


def _enum_choice(label: Any, enum: type, labels: dict[str, Any]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[(m.value, labels.get(m.value, m.value)) for m in enum])


ROUNDING_LABELS = {"ceil": _("Round up (guarantees the margin)"), "nearest": _("Nearest (as Krejcie & Morgan's table)")}
ALTERNATIVE_LABELS = {"two-sided": _("Two-sided"), "one-sided": _("One-sided")}
METHOD_LABELS = {"pooled": _("Pooled variance (as R's power.prop.test)"), "arcsine": _("Arcsine (Cohen's h)")}
DIRECTION_LABELS = {"increase": _("Increase"), "decrease": _("Decrease")}
# Every code a result may hold, for showing it in words.
CHOICE_LABELS = {**ROUNDING_LABELS, **ALTERNATIVE_LABELS, **METHOD_LABELS, **DIRECTION_LABELS}
SOLVE_LABELS = {
    "size": _("Answers needed per group"),
    "power": _("Power for a number of answers"),
    "effect": _("Smallest effect a number of answers detects"),
}


class PlannerForm(FieldTemplateMixin, forms.Form):
    """Base: ``parameters()`` returns the cleaned data as the calculation's options."""

    kind = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.kind or 'plan'}_%s")
        super().__init__(*args, **kwargs)

    def parameters(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


# --- the survey's plan (builder panel) --------------------------------------------------------


class SurveyPlanForm(PlannerForm):
    """The targets a researcher stores for a survey, typed as percentages."""

    population = _count(
        _("Population size (optional)"),
        _("How many people the survey is about, e.g. your customers. Leave empty if very large or unknown."),
        min_value=1,
    )
    margin = PercentField(
        label=_("Margin of error (%)"),
        help_text=_("How far from the true value a result may be: 5 means ±5 percentage points."),
    )
    confidence = _confidence()
    response_rate = PercentField(
        label=_("Expected response rate (%)"),
        allow_hundred=True,
        help_text=_("Of the people you invite, how many will answer? Online surveys often get 10–30%."),
    )
    eligibility_rate = PercentField(
        label=_("Eligibility rate (%, optional)"),
        allow_hundred=True,
        help_text=_("Of those who answer, how many fit your target group (pass the screening questions)?"),
    )
    proportion = PercentField(
        label=_("Expected proportion (%, optional)"),
        help_text=_("Leave empty for 50%, the safest choice: it gives the largest sample."),
    )

    # Form field -> Survey target field.
    TARGETS = {
        "population": "target_population",
        "margin": "target_margin_of_error",
        "confidence": "target_confidence_level",
        "response_rate": "target_response_rate",
        "eligibility_rate": "target_eligibility_rate",
        "proportion": "target_expected_proportion",
    }
    FIELDS_OF_TARGETS = {target: name for name, target in TARGETS.items()}

    @classmethod
    def initial_for(cls, survey: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name, target in cls.TARGETS.items():
            value = getattr(survey, target)
            if value is None:
                continue  # the field's own initial value (95 % confidence) applies
            if isinstance(cls.base_fields[name], PercentField):
                value = round(value * 100, 6)
                value = int(value) if value.is_integer() else value  # 5, not 5.0
            initial[name] = str(value) if name == "confidence" else value
        return initial

    def targets(self) -> dict[str, Any]:
        """Return the cleaned data as the survey's ``target_*`` values (the whole plan)."""
        targets = {target: self.cleaned_data.get(name) for name, target in self.TARGETS.items()}
        targets["target_sample_size"] = None
        return targets


# --- the calculators page ---------------------------------------------------------------------


class ProportionForm(PlannerForm):
    kind = "proportion"
    margin = PercentField(label=_("Margin of error (%)"), required=True)
    confidence = _confidence()
    population = _count(_("Population size (optional)"), min_value=1)
    proportion = PercentField(label=_("Expected proportion (%, optional)"), help_text=_("50% when empty."))
    deff = _number(_("Design effect (optional)"), _("1 for a simple random sample."))
    rounding = _enum_choice(_("Rounding"), ss.Rounding, ROUNDING_LABELS)


class MarginForm(PlannerForm):
    kind = "margin"
    n = _count(_("Answers"), required=True, min_value=1)
    confidence = _confidence()
    population = _count(_("Population size (optional)"), min_value=1)
    proportion = PercentField(label=_("Observed or expected proportion (%, optional)"), help_text=_("50% when empty."))


class MeanForm(PlannerForm):
    kind = "mean"
    sd = _number(
        _("Standard deviation"), _("From a pilot or an earlier survey, in the unit of the answers."), required=True
    )
    margin = _number(
        _("Margin of error"), _("In the unit of the answers, e.g. 0.1 points on a 1–5 scale."), required=True
    )
    confidence = _confidence()
    population = _count(_("Population size (optional)"), min_value=1)


class InvitationsForm(PlannerForm):
    kind = "invitations"
    n = _count(_("Answers needed"), required=True, min_value=1)
    response_rate = PercentField(label=_("Expected response rate (%)"), allow_hundred=True, required=True)
    eligibility_rate = PercentField(label=_("Eligibility rate (%, optional)"), allow_hundred=True)
    population = _count(_("People you can invite (optional)"), min_value=1)


class PowerForm(PlannerForm):
    """A two-group or chi-square calculation that solves for size, power or the smallest effect."""

    effect_field = ""
    solve = forms.ChoiceField(label=_("Compute"), choices=list(SOLVE_LABELS.items()), initial="size")

    def parameters(self) -> dict[str, Any]:
        parameters = super().parameters()
        solve = parameters.pop("solve", "size")
        leave_out = {"size": "n", "power": "power", "effect": self.effect_field}[solve]
        parameters.pop(leave_out, None)
        return parameters


class TwoProportionsForm(PowerForm):
    kind = "two-proportions"
    effect_field = "p2"
    p1 = PercentField(label=_("Group 1 (baseline) proportion (%)"), required=True)
    p2 = PercentField(label=_("Group 2 proportion (%)"), help_text=_("Not used for the smallest effect."))
    n = _count(_("Answers in group 1"), _("Not used for the answers needed."), min_value=1)
    alpha = PercentField(label=_("Significance level α (%)"), initial=5)
    power = PercentField(label=_("Power (%)"), initial=80, help_text=_("Not used for the power."))
    ratio = _number(_("Allocation ratio n2/n1"), initial=1)
    alternative = _enum_choice(_("Test"), ss.Alternative, ALTERNATIVE_LABELS)
    method = _enum_choice(_("Method"), ss.ProportionTestMethod, METHOD_LABELS)


class TwoMeansForm(PowerForm):
    kind = "two-means"
    effect_field = "effect_size"
    effect_size = _number(_("Effect size (Cohen's d)"), _("0.2 small, 0.5 medium, 0.8 large."))
    n = _count(_("Answers in group 1"), min_value=1)
    alpha = PercentField(label=_("Significance level α (%)"), initial=5)
    power = PercentField(label=_("Power (%)"), initial=80)
    ratio = _number(_("Allocation ratio n2/n1"), initial=1)
    alternative = _enum_choice(_("Test"), ss.Alternative, ALTERNATIVE_LABELS)


class ChiSquareForm(PowerForm):
    kind = "chi-square"
    effect_field = "effect_size"
    effect_size = _number(_("Effect size (Cohen's w)"), _("0.1 small, 0.3 medium, 0.5 large."))
    df = _count(
        _("Degrees of freedom"), _("(rows − 1) × (columns − 1) of the table."), required=True, min_value=1, initial=1
    )
    n = _count(_("Answers"), min_value=1)
    alpha = PercentField(label=_("Significance level α (%)"), initial=5)
    power = PercentField(label=_("Power (%)"), initial=80)


class SegmentsForm(PlannerForm):
    kind = "segments"
    segments = _count(_("Segments to compare"), _("e.g. 4 regions."), required=True, min_value=2)
    difference = PercentField(
        label=_("Smallest difference worth detecting (percentage points)"), required=True, initial=10
    )
    proportion = PercentField(label=_("Proportion in a segment (%, optional)"), help_text=_("50% when empty."))
    alpha = PercentField(label=_("Significance level α (%)"), initial=5)
    power = PercentField(label=_("Power (%)"), initial=80)
    adjust_alpha = forms.BooleanField(label=_("Adjust α for comparing every pair (Bonferroni)"), required=False)


_COUNT_LINE = re.compile(r"^\s*(?P<segment>.+?)\s*[:=\t,;]\s*(?P<count>-?\d+)\s*$")


class SegmentMarginsForm(PlannerForm):
    kind = "segment-margins"
    counts = forms.CharField(
        label=_("Answers per segment"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Hà Nội: 120\nĐà Nẵng: 18"}),
        help_text=_("One segment per line: a name, a colon and the number of answers."),
    )
    confidence = _confidence()
    min_n = _count(_("Minimum answers per segment"), initial=ss.DEFAULT_MINIMUM_SEGMENT_COUNT, min_value=1)
    max_margin = PercentField(label=_("Widest acceptable margin (%, optional)"))

    def clean_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["counts"].splitlines(), start=1):
            if not line.strip():
                continue
            match = _COUNT_LINE.match(line)
            if match is None:
                raise forms.ValidationError(_("Line %(number)s is not “name: number”.") % {"number": number})
            counts[match["segment"]] = int(match["count"])
        if not counts:
            raise forms.ValidationError(_("Enter at least one segment."))
        return counts


CALCULATOR_FORMS: dict[str, type[PlannerForm]] = {
    form.kind: form
    for form in (
        ProportionForm,
        MarginForm,
        MeanForm,
        InvitationsForm,
        TwoProportionsForm,
        TwoMeansForm,
        ChiSquareForm,
        SegmentsForm,
        SegmentMarginsForm,
    )
}
