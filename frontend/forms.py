"""Forms for the researcher pages: they parse input into the arguments the services take."""

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from surveys.core.questionnaire import (
    DEMOGRAPHIC_VARIABLES,
    KEY_PATTERN,
    KPI_VARIABLES,
    LANGUAGES,
    LIST_OPERATORS,
    NUMERIC_TYPES,
    OPERATORS_BY_TYPE,
    VALUELESS_OPERATORS,
    Operator,
    QuestionType,
    RoleKind,
)
from surveys.core.roles import Role
from surveys.errors import DomainError
from surveys.models import Choice, Question

LANGUAGE_NAMES: Mapping[str, Promise] = {"vi": _("Vietnamese"), "en": _("English")}

QUESTION_TYPE_LABELS: Mapping[str, Promise] = {
    QuestionType.SINGLE_CHOICE: _("Single choice"),
    QuestionType.MULTIPLE_CHOICE: _("Multiple choice"),
    QuestionType.RATING: _("Rating scale"),
    QuestionType.NPS: _("Net Promoter Score (0–10)"),
    QuestionType.NUMBER: _("Number"),
    QuestionType.SHORT_TEXT: _("Short text"),
    QuestionType.LONG_TEXT: _("Long text"),
    QuestionType.DATE: _("Date"),
    QuestionType.MATRIX: _("Matrix (rows × scale)"),
    QuestionType.RANKING: _("Ranking"),
}

QUESTION_TYPE_HINTS: Mapping[str, Promise] = {
    QuestionType.SINGLE_CHOICE: _("One answer from a list"),
    QuestionType.MULTIPLE_CHOICE: _("Several answers from a list"),
    QuestionType.RATING: _("A point on a scale, such as 1 to 5"),
    QuestionType.NPS: _("How likely to recommend, 0 to 10"),
    QuestionType.NUMBER: _("A number, with optional limits"),
    QuestionType.SHORT_TEXT: _("A word or a line"),
    QuestionType.LONG_TEXT: _("A paragraph"),
    QuestionType.DATE: _("A calendar date"),
    QuestionType.MATRIX: _("Several rows rated on one scale"),
    QuestionType.RANKING: _("Put options in order"),
}

OPERATOR_LABELS: Mapping[str, Promise] = {
    Operator.EQUALS: _("is"),
    Operator.NOT_EQUALS: _("is not"),
    Operator.ANY_OF: _("is any of"),
    Operator.NONE_OF: _("is none of"),
    Operator.INCLUDES: _("includes"),
    Operator.EXCLUDES: _("does not include"),
    Operator.GT: _("is greater than"),
    Operator.GTE: _("is at least"),
    Operator.LT: _("is less than"),
    Operator.LTE: _("is at most"),
    Operator.ANSWERED: _("is answered"),
    Operator.NOT_ANSWERED: _("is not answered"),
}
# Display order of the tests in the logic editor: the common ones first.
OPERATOR_ORDER = tuple(OPERATOR_LABELS)

VARIABLE_LABELS: Mapping[str, Promise] = {
    "gender": _("gender"),
    "age": _("age band"),
    "income": _("income band"),
    "region": _("region"),
    "area": _("urban or rural area"),
    "education": _("education"),
    "occupation": _("occupation"),
    "satisfaction": _("satisfaction"),
    "nps": _("Net Promoter Score"),
    "intent": _("purchase intent"),
}
ROLE_KIND_LABELS: Mapping[str, Promise] = {RoleKind.DEMOGRAPHIC: _("Demographic"), RoleKind.KPI: _("KPI")}
CUSTOM_ROLE = {RoleKind.DEMOGRAPHIC: "demographic:*", RoleKind.KPI: "kpi:*"}
ROLE_CHOICES: Sequence[tuple[str, Any]] = [
    ("", _("None")),
    *(
        (f"demographic:{name}", format_lazy("{}: {}", ROLE_KIND_LABELS[RoleKind.DEMOGRAPHIC], VARIABLE_LABELS[name]))
        for name in DEMOGRAPHIC_VARIABLES
    ),
    (CUSTOM_ROLE[RoleKind.DEMOGRAPHIC], _("Demographic: another variable…")),
    *(
        (f"kpi:{name}", format_lazy("{}: {}", ROLE_KIND_LABELS[RoleKind.KPI], VARIABLE_LABELS[name]))
        for name in KPI_VARIABLES
    ),
    (CUSTOM_ROLE[RoleKind.KPI], _("KPI: another measure…")),
]
ROLE_LABELS: Mapping[str, Promise] = {
    Role.OWNER: _("Owner"),
    Role.RESEARCHER: _("Researcher"),
    Role.ANALYST: _("Analyst"),
    Role.VIEWER: _("Viewer"),
}

# Types whose options a respondent may see shuffled; a rating scale keeps its order.
SHUFFLABLE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.RANKING})
NOT_APPLICABLE_TYPES = frozenset({QuestionType.RATING, QuestionType.MATRIX})
SPECIAL_CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
CHOICE_VALUE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})


class FieldTemplateMixin:
    """Render every field with the house field template (label, help, errors, then the input)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.template_name = "frontend/forms/field.html"

    def fields_named(self, prefix: str) -> list[forms.BoundField]:
        """Return the bound fields whose name starts with ``prefix`` (one per language, say)."""
        return [self[name] for name in self.fields if name.startswith(prefix)]

    def add_domain_error(self, error: DomainError, aliases: Mapping[str, str] | None = None) -> list[str]:
        """Attach an error's per-field messages to the fields they name; return the others."""
        aliases = aliases or {}
        unplaced: list[str] = []
        for name, messages in error.fields.items():
            target = aliases.get(name, name)
            for text in messages:
                if target in self.fields:
                    self.add_error(target, text)
                elif text not in unplaced:
                    unplaced.append(text)
        return unplaced


def text_fields(
    form: forms.Form, *, name: str, label: Promise, languages: Sequence[str], max_length: int, textarea: bool = False
) -> None:
    """Add one ``<name>_<language>`` field per language."""
    for language in languages:
        widget = forms.Textarea(attrs={"rows": 2}) if textarea else forms.TextInput()
        widget.attrs["lang"] = language
        form.fields[f"{name}_{language}"] = forms.CharField(
            label=_("%(label)s (%(language)s)") % {"label": label, "language": LANGUAGE_NAMES[language]},
            required=False,
            max_length=max_length,
            widget=widget,
        )


def text_value(cleaned_data: Mapping[str, Any], *, name: str, languages: Sequence[str], existing: Any) -> dict:
    """Return the edited text merged into the existing one (languages not shown are kept)."""
    text = {k: v for k, v in (existing or {}).items() if k in LANGUAGES}
    for language in languages:
        text[language] = cleaned_data.get(f"{name}_{language}", "")
    return {k: v for k, v in text.items() if v}


def text_initial(value: Any, *, name: str, languages: Sequence[str]) -> dict[str, str]:
    return {f"{name}_{language}": (value or {}).get(language, "") for language in languages}


# --- accounts -----------------------------------------------------------------------------


class EmailAuthenticationForm(FieldTemplateMixin, AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email or the password is not correct."),
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class SignUpForm(FieldTemplateMixin, BaseUserCreationForm):
    class Meta:
        model = get_user_model()
        fields = ("email",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.required = True
        email.label = _("Email")
        email.widget.attrs.update({"autofocus": True, "autocomplete": "email"})

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        users = get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        if users.exists():
            raise forms.ValidationError(_("An account already uses this email; sign in instead."))
        # The email is the username, so password similarity checks see it before saving.
        self.instance.username = email
        return email


# --- workspaces ---------------------------------------------------------------------------


class WorkspaceForm(FieldTemplateMixin, forms.Form):
    name = forms.CharField(label=_("Workspace name"), max_length=120)


class MemberAddForm(FieldTemplateMixin, forms.Form):
    email = forms.EmailField(label=_("Email of the person to add"))
    role = forms.ChoiceField(label=_("Role"), choices=list(ROLE_LABELS.items()), initial=Role.RESEARCHER)


class MemberRoleForm(FieldTemplateMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=list(ROLE_LABELS.items()))


class XLSFormImportForm(FieldTemplateMixin, forms.Form):
    file = forms.FileField(
        label=_("XLSForm workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )


# --- surveys ------------------------------------------------------------------------------


class SurveyForm(FieldTemplateMixin, forms.Form):
    """Title, description and languages of a survey (create and settings)."""

    languages = forms.MultipleChoiceField(
        label=_("Survey languages"),
        choices=list(LANGUAGE_NAMES.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=["vi"],
    )
    default_language = forms.ChoiceField(
        label=_("Default language"), choices=list(LANGUAGE_NAMES.items()), initial="vi"
    )

    def __init__(self, *args: Any, with_description: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        languages, default_language = self.fields.pop("languages"), self.fields.pop("default_language")
        text_fields(self, name="title", label=_("Title"), languages=LANGUAGES, max_length=200)
        if with_description:
            text_fields(
                self, name="description", label=_("Description"), languages=LANGUAGES, max_length=2000, textarea=True
            )
        self.fields["languages"], self.fields["default_language"] = languages, default_language
        for field in self.fields.values():
            field.template_name = "frontend/forms/field.html"

    @classmethod
    def initial_for(cls, survey: Any) -> dict[str, Any]:
        return {
            **text_initial(survey.title, name="title", languages=LANGUAGES),
            **text_initial(survey.description, name="description", languages=LANGUAGES),
            "languages": list(survey.languages),
            "default_language": survey.default_language,
        }

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {
            "title": text_value(data, name="title", languages=LANGUAGES, existing=None),
            "languages": data["languages"],
            "default_language": data["default_language"],
        }
        if "description_vi" in self.fields:
            changes["description"] = text_value(data, name="description", languages=LANGUAGES, existing=None)
        return changes

    ERROR_ALIASES = {"title": "title_vi", "description": "description_vi"}

    @property
    def title_fields(self) -> list[forms.BoundField]:
        return self.fields_named("title_")

    @property
    def description_fields(self) -> list[forms.BoundField]:
        return self.fields_named("description_")


class PageForm(FieldTemplateMixin, forms.Form):
    randomize_questions = forms.BooleanField(label=_("Shuffle the questions on this page"), required=False)

    def __init__(self, *args: Any, languages: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        randomize = self.fields.pop("randomize_questions")
        text_fields(self, name="title", label=_("Page title"), languages=languages, max_length=200)
        self.fields["randomize_questions"] = randomize
        self.languages = tuple(languages)
        for field in self.fields.values():
            field.template_name = "frontend/forms/field.html"

    @property
    def title_fields(self) -> list[forms.BoundField]:
        return self.fields_named("title_")

    def changes(self, page: Any) -> dict[str, Any]:
        return {
            "title": text_value(self.cleaned_data, name="title", languages=self.languages, existing=page.title),
            "randomize_questions": self.cleaned_data["randomize_questions"],
        }


class NewQuestionForm(forms.Form):
    type = forms.ChoiceField(choices=list(QUESTION_TYPE_LABELS.items()))


class QuestionForm(FieldTemplateMixin, forms.Form):
    """Edit one question; fields follow the question's type and the survey's languages."""

    type = forms.ChoiceField(
        label=_("Question type"),
        choices=list(QUESTION_TYPE_LABELS.items()),
        help_text=_("Changing the type removes options the new type cannot use."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    min_value = forms.FloatField(label=_("Smallest accepted number"), required=False)
    max_value = forms.FloatField(label=_("Largest accepted number"), required=False)
    allow_not_applicable = forms.BooleanField(label=_("Offer “not applicable”"), required=False)
    randomize_choices = forms.BooleanField(label=_("Shuffle the options for each respondent"), required=False)
    role = forms.ChoiceField(
        label=_("What this question measures"),
        choices=ROLE_CHOICES,
        required=False,
        help_text=_("Demographics check who answered; KPIs tell whether a finding matters."),
    )
    role_custom = forms.CharField(
        label=_("Variable name for “another…”"),
        required=False,
        max_length=64,
        help_text=_("Letters, digits and “_”, starting with a letter, such as household_size."),
    )

    def __init__(self, *args: Any, question: Question, languages: Sequence[str], **kwargs: Any) -> None:
        self.question = question
        self.languages = tuple(languages)
        question_type = QuestionType(question.type)
        if not args and "data" not in kwargs:
            kwargs.setdefault("initial", self.initial_for(question, languages))
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["type"] = fields["type"]
        text_fields(self, name="text", label=_("Question text"), languages=languages, max_length=2000, textarea=True)
        self.fields["required"] = fields["required"]
        text_fields(self, name="help", label=_("Help text"), languages=languages, max_length=1000)
        if question_type == QuestionType.NUMBER:
            self.fields["min_value"], self.fields["max_value"] = fields["min_value"], fields["max_value"]
        if question_type in NOT_APPLICABLE_TYPES:
            self.fields["allow_not_applicable"] = fields["allow_not_applicable"]
        if question_type in SHUFFLABLE_TYPES:
            self.fields["randomize_choices"] = fields["randomize_choices"]
        self.fields["role"], self.fields["role_custom"] = fields["role"], fields["role_custom"]
        for field in self.fields.values():
            field.template_name = "frontend/forms/field.html"

    @staticmethod
    def initial_for(question: Question, languages: Sequence[str]) -> dict[str, Any]:
        role, role_custom = "", ""
        if question.role_kind:
            role = f"{question.role_kind}:{question.role_variable}"
            known = DEMOGRAPHIC_VARIABLES if question.role_kind == RoleKind.DEMOGRAPHIC else KPI_VARIABLES
            if question.role_variable not in known:
                role, role_custom = CUSTOM_ROLE[RoleKind(question.role_kind)], question.role_variable
        return {
            "type": question.type,
            **text_initial(question.text, name="text", languages=languages),
            **text_initial(question.help_text, name="help", languages=languages),
            "required": question.required,
            "min_value": question.min_value,
            "max_value": question.max_value,
            "allow_not_applicable": question.allow_not_applicable,
            "randomize_choices": question.randomize_choices,
            "role": role,
            "role_custom": role_custom,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        role = data.get("role") or ""
        if role in CUSTOM_ROLE.values():
            variable = (data.get("role_custom") or "").strip()
            if not KEY_PATTERN.match(variable):
                self.add_error(
                    "role_custom", _("Name the variable with letters, digits and “_”, starting with a letter.")
                )
            else:
                data["role"] = f"{role.partition(':')[0]}:{variable}"
        return data

    def changes(self) -> dict[str, Any]:
        """Return the keyword arguments for ``services.update_question``."""
        data, question = self.cleaned_data, self.question
        new_type = QuestionType(data["type"])
        changes: dict[str, Any] = {
            "type": new_type.value,
            "text": text_value(data, name="text", languages=self.languages, existing=question.text),
            "help_text": text_value(data, name="help", languages=self.languages, existing=question.help_text),
            "required": data["required"],
            "role": data.get("role") or None,
        }
        # Settings the new type cannot have are reset so that a type change never leaves them behind.
        for name, applies in (
            ("min_value", new_type == QuestionType.NUMBER),
            ("max_value", new_type == QuestionType.NUMBER),
            ("allow_not_applicable", new_type in NOT_APPLICABLE_TYPES),
            ("randomize_choices", new_type in SHUFFLABLE_TYPES),
        ):
            if name in self.fields and applies:
                changes[name] = data[name]
            elif not applies:
                changes[name] = None if name.endswith("_value") else False
        return changes

    ERROR_ALIASES = {"text": "text_vi", "help_text": "help_vi", "role": "role"}

    @property
    def text_fields(self) -> list[forms.BoundField]:
        return self.fields_named("text_")

    @property
    def help_fields(self) -> list[forms.BoundField]:
        return self.fields_named("help_")

    @property
    def setting_fields(self) -> list[forms.BoundField]:
        names = ("min_value", "max_value", "allow_not_applicable", "randomize_choices")
        return [self[name] for name in names if name in self.fields]


class ChoiceForm(FieldTemplateMixin, forms.Form):
    """Edit or add an option or matrix row; the code is optional when adding."""

    value = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("Stored in the data and the export; letters, digits, “_”, “.” and “-”."),
    )
    is_exclusive = forms.BooleanField(label=_("“None of these” (exclusive)"), required=False)
    is_other = forms.BooleanField(label=_("“Other, please specify”"), required=False)

    def __init__(
        self,
        *args: Any,
        question_type: str,
        kind: str,
        languages: Sequence[str],
        choice: Choice | None = None,
        **kwargs: Any,
    ) -> None:
        self.languages, self.choice, self.kind = tuple(languages), choice, kind
        if choice is not None and not args and "data" not in kwargs:
            kwargs.setdefault(
                "initial",
                {
                    **text_initial(choice.label, name="label", languages=languages),
                    "value": choice.value,
                    "is_exclusive": choice.is_exclusive,
                    "is_other": choice.is_other,
                },
            )
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        label = _("Row label") if kind == Choice.Kind.ROW else _("Option label")
        text_fields(self, name="label", label=label, languages=languages, max_length=500)
        self.fields["value"] = fields["value"]
        if choice is None:
            self.fields["value"].required = False
            self.fields["value"].help_text = _("Optional: the next number is used when empty.")
            self.fields["value"].widget.attrs["placeholder"] = _("automatic")
        else:
            self.fields["value"].help_text = ""
        if kind == Choice.Kind.OPTION and question_type in SPECIAL_CHOICE_TYPES:
            self.fields["is_exclusive"], self.fields["is_other"] = fields["is_exclusive"], fields["is_other"]
        for field in self.fields.values():
            field.template_name = "frontend/forms/field.html"

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        existing = self.choice.label if self.choice is not None else None
        changes: dict[str, Any] = {
            "label": text_value(data, name="label", languages=self.languages, existing=existing),
            "value": data["value"].strip(),
        }
        for name in ("is_exclusive", "is_other"):
            if name in self.fields:
                changes[name] = data[name]
        return changes

    ERROR_ALIASES = {"label": "label_vi"}

    @property
    def label_fields(self) -> list[forms.BoundField]:
        return self.fields_named("label_")

    @property
    def flag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("is_exclusive", "is_other") if name in self.fields]


class ConditionForm(FieldTemplateMixin, forms.Form):
    """One display-logic test on an earlier question; the value input follows its type."""

    question = forms.CharField(label=_("Earlier question"), widget=forms.Select)
    operator = forms.ChoiceField(label=_("Test"), choices=[(op.value, label) for op, label in OPERATOR_LABELS.items()])

    def __init__(self, *args: Any, earlier: Sequence[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.earlier = {question.key: question for question in earlier}
        self.fields["question"].widget.choices = [
            (question.key, f"{question.key} · {_question_summary(question)}") for question in earlier
        ]
        key = (self.data.get(self.add_prefix("question")) if self.is_bound else None) or self.initial.get("question")
        self.target = self.earlier.get(key or "") or (earlier[-1] if earlier and not self.is_bound else None)
        if self.target is not None:
            self.initial.setdefault("question", self.target.key)
            allowed = OPERATORS_BY_TYPE[QuestionType(self.target.type)]
            operator = self.fields["operator"]
            operator.choices = [(op.value, OPERATOR_LABELS[op]) for op in OPERATOR_ORDER if op in allowed]
            operator.error_messages["invalid_choice"] = _("This test does not apply to a “%(type)s” question.") % {
                "type": QUESTION_TYPE_LABELS[self.target.type]
            }

    @property
    def value_kind(self) -> str:
        """Return how the value is entered: "choices", "number", "date", "text" or "none"."""
        if self.target is None:
            return "text"
        question_type = QuestionType(self.target.type)
        if not OPERATORS_BY_TYPE[question_type] - VALUELESS_OPERATORS:
            return "none"
        if question_type in CHOICE_VALUE_TYPES:
            return "choices"
        if question_type in NUMERIC_TYPES:
            return "number"
        return "date" if question_type == QuestionType.DATE else "text"

    def value_choices(self) -> list[tuple[str, str, bool]]:
        """Return (code, label, is_selected) for the target's options."""
        if self.target is None:
            return []
        selected = set(self.submitted_values())
        return [
            (choice.value, _choice_summary(choice), choice.value in selected)
            for choice in self.target.choices.all()
            if choice.kind == Choice.Kind.OPTION
        ]

    def submitted_values(self) -> list[str]:
        if not self.is_bound:
            return []
        return [value.strip() for value in self.data.getlist(self.add_prefix("value")) if value.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        operator, key = data.get("operator"), data.get("question")
        if not operator or not key:
            return data
        operator = Operator(operator)
        values = self.submitted_values()
        value: Any = None
        if operator in LIST_OPERATORS:
            if not values:
                self.add_error(None, _("Choose at least one option for this test."))
            value = values
        elif operator not in VALUELESS_OPERATORS:
            if len(values) != 1:
                self.add_error(
                    None,
                    _("Enter a value for this test.") if not values else _("Choose only one option for this test."),
                )
                return data
            value = values[0]
            if self.target is not None and QuestionType(self.target.type) in NUMERIC_TYPES:
                try:
                    number = float(value)
                except ValueError:
                    self.add_error(None, _("Enter a number."))
                    return data
                value = int(number) if number.is_integer() else number
        condition = {"question": key, "operator": operator.value}
        if operator not in VALUELESS_OPERATORS:
            condition["value"] = value
        data["condition"] = condition
        return data


class LogicMatchForm(forms.Form):
    match = forms.ChoiceField(choices=[("all", _("all")), ("any", _("any"))])


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])

    def offset(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1


class MoveToPageForm(forms.Form):
    page = forms.IntegerField(label=_("Move to page"), min_value=1)


class RemoveConditionForm(forms.Form):
    index = forms.IntegerField(min_value=0)


class DiffForm(forms.Form):
    before = forms.CharField(required=False)
    after = forms.CharField(required=False)


def _question_summary(question: Question, length: int = 60) -> str:
    text = next((value for value in (question.text or {}).values() if value), "") or str(
        QUESTION_TYPE_LABELS[question.type]
    )
    return text if len(text) <= length else text[: length - 1] + "…"


def _choice_summary(choice: Choice) -> str:
    label = next((value for value in (choice.label or {}).values() if value), "")
    return f"{label} ({choice.value})" if label else choice.value
