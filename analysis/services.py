"""Writes of the analysis app: target sets, their mapping onto surveys, and weighting runs.

Decisions (also shown on the pages):

* **Who** — creating, editing and deleting target sets, attaching them to surveys, running
  weighting and discarding weights need the ``analyse`` capability (owners, researchers,
  analysts); viewers read only.
* **Shares or counts** — each target variable holds shares (adding up to 1) or counts (any
  positive total, percentages included). For weighting every variable becomes shares, so the
  weights have mean 1 over the weighted respondents whatever the targets' scale.
* **Nothing dropped silently** — a mapping lists every answer option of its question, each
  recoded into a target category or explicitly excluded. A respondent whose answer is missing,
  excluded or not in the mapping (an older version's option) either stops the run with an error
  naming the variable and the counts (``fail``, the default) or, when the analyst chose
  ``exclude``, gets weight 0 and is counted in the diagnostics.
* **All or nothing** — an uploaded file with any bad row creates nothing; a run that fails writes
  no weights; a run whose bounds make the targets unreachable fails with the achieved errors.
* **Editing an attached target set** may change shares, counts and labels, not which variables
  and categories exist (the surveys' recodings refer to them): detach it first or make a copy.
"""

import datetime as dt
import math
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from analysis import jobs, selectors
from analysis.core import weighting
from analysis.core.census import load_vietnam_census_2019
from analysis.models import (
    CENSUS_2019_PRESET,
    ResponseWeight,
    SurveyTargetMapping,
    TargetCategory,
    TargetSet,
    TargetVariable,
    VariableMapping,
    WeightingRun,
)
from responses.core import tables
from responses.models import Response
from responses.services import FileRowsInvalid
from surveys import audit
from surveys import selectors as survey_selectors
from surveys.core.messages import Message, message
from surveys.core.questionnaire import QuestionSpec, QuestionType, RoleKind, SurveySpec
from surveys.errors import Conflict, InvalidInput, NotFound
from surveys.models import Survey, Workspace

VARIABLE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_CODE_LENGTH = 64
MAX_LABEL_LENGTH = 200
MAX_VARIABLES = 20
MAX_CATEGORIES = 200
TARGETS_MAX_BYTES = 1024 * 1024
TARGETS_MAX_ROWS = 2000
# Questions whose answer is one option code: the only ones a target variable can be mapped to.
MAPPABLE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.RATING})
# A target variable and the demographic roles that measure it.
ROLE_ALIASES = {"sex": ("gender", "sex"), "gender": ("gender", "sex")}
STALE_RUN = dt.timedelta(minutes=30)  # an unfinished run older than this no longer blocks a new one
WEIGHTS_BATCH = 5000


# --- target sets -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryInput:
    code: str
    value: float
    label_vi: str = ""
    label_en: str = ""


@dataclass(frozen=True, slots=True)
class VariableInput:
    name: str
    kind: str
    categories: tuple[CategoryInput, ...]
    label_vi: str = ""
    label_en: str = ""


def _text(value: object, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _number(value: object) -> float | None:
    """Return a finite number from a number or text ("0.25", "0,25", "1 234"), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def clean_target_variables(raw: object) -> tuple[VariableInput, ...]:
    """Return the validated variables of a target set or raise InvalidInput naming every problem.

    ``raw`` is a list of ``{"name", "label_vi", "label_en", "kind", "categories": [{"code",
    "label_vi", "label_en", "value"}]}``.
    """
    fields: dict[str, list[str]] = {}

    def refuse(path: str, text: str) -> None:
        fields.setdefault(path, []).append(text)

    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise InvalidInput(_("Give at least one variable."), fields={"variables": [_("Give at least one variable.")]})
    if len(raw) > MAX_VARIABLES:
        text = _("A target set holds at most {limit} variables.").format(limit=MAX_VARIABLES)
        raise InvalidInput(text, fields={"variables": [text]})
    variables = []
    names: set[str] = set()
    for index, item in enumerate(raw):
        path = f"variables.{index}"
        if not isinstance(item, Mapping):
            refuse(path, _("Each variable must be an object."))
            continue
        name = _text(item.get("name"), 100)
        if not VARIABLE_NAME_RE.match(name):
            refuse(
                f"{path}.name",
                _("“{name}” is not a valid variable name: use lower-case letters, digits and _.").format(name=name),
            )
        elif name in names:
            refuse(f"{path}.name", _("The variable {name} is listed twice.").format(name=name))
        names.add(name)
        kind = str(item.get("kind") or TargetVariable.Kind.SHARES)
        if kind not in TargetVariable.Kind.values:
            refuse(f"{path}.kind", _("The kind must be “shares” or “counts”."))
        categories_raw = item.get("categories")
        if not isinstance(categories_raw, Sequence) or isinstance(categories_raw, str) or len(categories_raw) < 2:
            refuse(f"{path}.categories", _("The variable {name} needs at least two categories.").format(name=name))
            continue
        if len(categories_raw) > MAX_CATEGORIES:
            refuse(f"{path}.categories", _("A variable has at most {limit} categories.").format(limit=MAX_CATEGORIES))
            continue
        categories = []
        codes: set[str] = set()
        for position, category in enumerate(categories_raw):
            cpath = f"{path}.categories.{position}"
            if not isinstance(category, Mapping):
                refuse(cpath, _("Each category must be an object."))
                continue
            code = str(category.get("code") or "").strip()
            if not code:
                refuse(f"{cpath}.code", _("Every category needs a code."))
            elif len(code) > MAX_CODE_LENGTH:
                refuse(
                    f"{cpath}.code", _("A category code has at most {limit} characters.").format(limit=MAX_CODE_LENGTH)
                )
            elif code in codes:
                refuse(f"{cpath}.code", _("The category {code} is listed twice.").format(code=code))
            codes.add(code)
            value = _number(category.get("value"))
            if value is None:
                refuse(f"{cpath}.value", _("The share or count must be a number."))
            elif value < 0:
                refuse(f"{cpath}.value", _("The share or count must not be negative."))
            categories.append(
                CategoryInput(
                    code=code,
                    value=value if value is not None else 0.0,
                    label_vi=_text(category.get("label_vi"), MAX_LABEL_LENGTH),
                    label_en=_text(category.get("label_en"), MAX_LABEL_LENGTH),
                )
            )
        variable = VariableInput(
            name=name,
            kind=kind,
            categories=tuple(categories),
            label_vi=_text(item.get("label_vi"), MAX_LABEL_LENGTH),
            label_en=_text(item.get("label_en"), MAX_LABEL_LENGTH),
        )
        if not any(key.startswith(path) for key in fields):
            try:  # the core's own checks: shares add up to 1, totals above 0
                weighting.build_target_set({name: {c.code: c.value for c in categories}}, kind=kind)
            except weighting.WeightingInputError as error:
                refuse(path, error.message.render(_))
        variables.append(variable)
    if fields:
        raise InvalidInput(_("The targets have problems; nothing was saved."), fields=fields)
    return tuple(variables)


def _refuse_name(workspace: Workspace, name: str, *, exclude_id: int | None = None) -> str:
    name = _text(name, 120)
    if not name:
        raise InvalidInput(_("Give the target set a name."), fields={"name": [_("Give the target set a name.")]})
    clash = TargetSet.objects.filter(workspace=workspace, name=name).exclude(id=exclude_id).exists()
    if clash:
        text = _("This workspace already has a target set named “{name}”.").format(name=name)
        raise InvalidInput(text, fields={"name": [text]})
    return name


def _write_variables(target_set: TargetSet, variables: Sequence[VariableInput]) -> None:
    for position, variable in enumerate(variables):
        row = TargetVariable.objects.create(
            target_set=target_set,
            name=variable.name,
            label_vi=variable.label_vi,
            label_en=variable.label_en,
            kind=variable.kind,
            position=position,
        )
        TargetCategory.objects.bulk_create(
            TargetCategory(
                variable=row,
                code=c.code,
                label_vi=c.label_vi,
                label_en=c.label_en,
                value=c.value,
                position=index,
            )
            for index, c in enumerate(variable.categories)
        )


@transaction.atomic
def create_target_set(
    *,
    workspace: Workspace,
    name: str,
    variables: object,
    created_by: Any = None,
    source: str = "",
    notes: str = "",
    preset: str | None = None,
) -> TargetSet:
    """Create a target set from validated variables; any problem creates nothing."""
    name = _refuse_name(workspace, name)
    cleaned = variables if _is_clean(variables) else clean_target_variables(variables)
    target_set = TargetSet.objects.create(
        workspace=workspace,
        name=name,
        source=_text(source, 500),
        notes=str(notes or "").strip()[:5000],
        preset=preset,
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    _write_variables(target_set, cleaned)
    audit.record(created_by, workspace, audit.Action.CREATED, target_set, preset=preset)
    return target_set


def _is_clean(variables: object) -> bool:
    return isinstance(variables, tuple) and all(isinstance(v, VariableInput) for v in variables)


def _shape(variables: Sequence[VariableInput]) -> set[tuple[str, str]]:
    return {(v.name, c.code) for v in variables for c in v.categories}


@transaction.atomic
def update_target_set(
    *, target_set: TargetSet, name: str, variables: object, source: str = "", notes: str = ""
) -> TargetSet:
    """Replace a target set's name, source, notes and variables.

    While surveys use the set, the variables and category codes must stay the same (their
    recodings refer to them); shares, counts and labels may change.
    """
    target_set = TargetSet.objects.select_for_update().get(id=target_set.id)
    name = _refuse_name(target_set.workspace, name, exclude_id=target_set.id)
    cleaned = clean_target_variables(variables)
    current = {(v.name, c.code) for v in target_set.variables.all() for c in v.categories.all()}
    users = list(SurveyTargetMapping.objects.filter(target_set=target_set).select_related("survey"))
    if users and _shape(cleaned) != current:
        titles = ", ".join(_survey_title(m.survey) for m in users)
        raise Conflict(
            _(
                "Surveys use this target set ({surveys}): you may change its shares, counts and labels, but not its"
                " variables or categories. Detach it from those surveys or make a copy."
            ).format(surveys=titles)
        )
    target_set.name = name
    target_set.source = _text(source, 500)
    target_set.notes = str(notes or "").strip()[:5000]
    target_set.save()
    if users:  # same shape: update values and labels in place so the mappings stay valid
        by_name = {v.name: v for v in target_set.variables.all()}
        for position, variable in enumerate(cleaned):
            row = by_name[variable.name]
            row.label_vi, row.label_en, row.kind, row.position = (
                variable.label_vi,
                variable.label_en,
                variable.kind,
                position,
            )
            row.save()
            codes = {c.code: c for c in row.categories.all()}
            for index, category in enumerate(variable.categories):
                stored = codes[category.code]
                stored.label_vi, stored.label_en, stored.value, stored.position = (
                    category.label_vi,
                    category.label_en,
                    category.value,
                    index,
                )
                stored.save()
    else:
        target_set.variables.all().delete()
        _write_variables(target_set, cleaned)
    audit.record(None, target_set.workspace, audit.Action.EDITED, target_set)
    return target_set


def _survey_title(survey: Survey) -> str:
    title = survey.title if isinstance(survey.title, Mapping) else {}
    return str(title.get("vi") or title.get("en") or survey.slug)


@transaction.atomic
def delete_target_set(*, target_set: TargetSet) -> None:
    users = list(SurveyTargetMapping.objects.filter(target_set=target_set).select_related("survey"))
    if users:
        titles = ", ".join(_survey_title(m.survey) for m in users)
        raise Conflict(_("Surveys use this target set ({surveys}); detach it from them first.").format(surveys=titles))
    audit.record(None, target_set.workspace, audit.Action.DELETED, target_set)
    target_set.delete()


def _unique_name(workspace: Workspace, name: str) -> str:
    candidate, number = name, 2
    while TargetSet.objects.filter(workspace=workspace, name=candidate).exists():
        candidate, number = f"{name} ({number})", number + 1
    return candidate


def preset_variables(preset: str) -> tuple[VariableInput, ...]:
    """Return the variables of a built-in preset."""
    if preset != CENSUS_2019_PRESET:
        text = _("There is no preset “{preset}”.").format(preset=preset)
        raise InvalidInput(text, fields={"preset": [text]})
    census = load_vietnam_census_2019()
    return tuple(
        VariableInput(
            name=v.name,
            kind=TargetVariable.Kind.COUNTS,
            label_vi=v.label_vi,
            label_en=v.label_en,
            categories=tuple(
                CategoryInput(code=c.code, value=float(c.population), label_vi=c.label_vi, label_en=c.label_en)
                for c in v.categories
            ),
        )
        for v in census.variables
    )


@transaction.atomic
def create_target_set_from_preset(
    *, workspace: Workspace, preset: str = CENSUS_2019_PRESET, created_by: Any = None, name: str = ""
) -> TargetSet:
    """Copy a built-in preset into the workspace as an ordinary, editable target set."""
    variables = preset_variables(preset)
    census = load_vietnam_census_2019()
    name = _text(name, 120) or _unique_name(workspace, _(census.name))
    return create_target_set(
        workspace=workspace,
        name=name,
        variables=variables,
        created_by=created_by,
        source=census.source,
        notes=_("Resident population by sex, urban/rural area and socio-economic region; persons."),
        preset=preset,
    )


# --- target files ----------------------------------------------------------------------------

REQUIRED_COLUMNS = ("variable", "category")
VALUE_COLUMNS = ("share", "count")
OPTIONAL_COLUMNS = ("label_vi", "label_en")


def read_target_file(data: bytes) -> tuple[VariableInput, ...]:
    """Return the variables in a CSV/XLSX target file or raise FileRowsInvalid listing every bad row.

    Columns: ``variable``, ``category``, one of ``share`` or ``count``, and optionally ``label_vi``
    and ``label_en``. Rows of one variable need not be adjacent; the file's order is kept.
    """
    try:
        table = tables.read_table(data, max_rows=TARGETS_MAX_ROWS)
    except tables.TableError as error:
        text = error.message.render(_)
        raise InvalidInput(text, fields={"file": [text]}, code="file_unreadable") from None
    errors: list[tables.RowError] = []

    def refuse(row: int | None, where: str, template: str, /, **params: object) -> None:
        errors.append(tables.RowError(row=row, column=where, message=message(template, **params)))

    header = [name.strip().lower() for name in table.header]
    known = (*REQUIRED_COLUMNS, *VALUE_COLUMNS, *OPTIONAL_COLUMNS)
    for name in header:
        if name not in known:
            refuse(
                None,
                "",
                gettext_noop("Unknown column “{column}”. The columns are: {columns}."),
                column=name,
                columns=", ".join(known),
            )
    for name in REQUIRED_COLUMNS:
        if name not in header:
            refuse(None, "", gettext_noop("The column “{column}” is missing."), column=name)
    value_columns = [name for name in VALUE_COLUMNS if name in header]
    if len(value_columns) != 1:
        refuse(None, "", gettext_noop("Give exactly one of the columns “share” or “count”."))
    if len(set(header)) != len(header):
        refuse(None, "", gettext_noop("A column name appears twice."))
    if errors:
        raise FileRowsInvalid(errors, _("The file's columns are not right; nothing was imported."))
    value_column = value_columns[0]
    kind = TargetVariable.Kind.SHARES if value_column == "share" else TargetVariable.Kind.COUNTS
    index = {name: header.index(name) for name in header}
    grouped: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        cells: dict[str, object] = {}
        bad = False
        for name, position in index.items():
            cell = row[position]
            if isinstance(cell, tables.Formula):
                refuse(number, name, gettext_noop("Formulas are not accepted; type the value."))
                bad = True
            cells[name] = cell
        if bad:
            continue
        variable = str(cells["variable"] or "").strip()
        category = str(cells["category"] or "").strip()
        if isinstance(cells["category"], float) and cells["category"].is_integer():
            category = str(int(cells["category"]))  # a spreadsheet turns the code 1 into 1.0
        if not VARIABLE_NAME_RE.match(variable):
            refuse(
                number,
                "variable",
                gettext_noop("“{value}” is not a valid variable name: use lower-case letters, digits and _."),
                value=variable,
            )
            continue
        if not category or len(category) > MAX_CODE_LENGTH:
            refuse(number, "category", gettext_noop("Give a category code of 1 to 64 characters."))
            continue
        if (variable, category) in seen:
            refuse(
                number,
                "category",
                gettext_noop("The category {category} of {variable} appears twice."),
                category=category,
                variable=variable,
            )
            continue
        seen.add((variable, category))
        value = _number(cells[value_column])
        if value is None or value < 0:
            refuse(number, value_column, gettext_noop("Give a number of at least 0."))
            continue
        entry = grouped.setdefault(variable, {"name": variable, "kind": kind, "categories": [], "rows": []})
        entry["categories"].append(
            {
                "code": category,
                "value": value,
                "label_vi": cells.get("label_vi") or "",
                "label_en": cells.get("label_en") or "",
            }
        )
        entry["rows"].append(number)
    if not errors and not grouped:
        refuse(None, "", gettext_noop("The file has no targets."))
    for entry in grouped.values():
        try:
            clean_target_variables([{k: v for k, v in entry.items() if k != "rows"}])
        except InvalidInput as error:
            rows = entry["rows"]
            for texts in error.fields.values():
                for text in texts:
                    refuse(
                        None,
                        "",
                        gettext_noop("Rows {first}–{last} ({variable}): {problem}"),
                        first=rows[0],
                        last=rows[-1],
                        variable=entry["name"],
                        problem=text,
                    )
    if errors:
        raise FileRowsInvalid(
            errors, _("The file has problems in {count} places; nothing was imported.").format(count=len(errors))
        )
    return clean_target_variables([{k: v for k, v in entry.items() if k != "rows"} for entry in grouped.values()])


def _read_upload(file: BinaryIO, limit: int) -> bytes:
    if hasattr(file, "seekable") and file.seekable():
        file.seek(0)
    data = file.read(limit + 1)  # one byte past the limit tells a file too large without holding it all
    if len(data) > limit:
        text = _("The file is larger than {size}.").format(size=filesizeformat(limit))
        raise InvalidInput(text, fields={"file": [text]}, code="file_too_large")
    return data


@transaction.atomic
def import_target_set(
    *, workspace: Workspace, name: str, file: BinaryIO, created_by: Any = None, source: str = "", notes: str = ""
) -> TargetSet:
    """Create a target set from an uploaded CSV or XLSX file: all of it, or nothing."""
    _refuse_name(workspace, name)
    variables = read_target_file(_read_upload(file, TARGETS_MAX_BYTES))
    return create_target_set(
        workspace=workspace, name=name, variables=variables, created_by=created_by, source=source, notes=notes
    )


# --- mapping a target set onto a survey ------------------------------------------------------


def fold(text: str) -> str:
    """Return ``text`` without accents, case or punctuation, for matching labels ("Nữ" → "nu")."""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())


def get_mapping_spec(*, survey: Survey) -> SurveySpec:
    """The questionnaire mappings refer to: the latest published version, else the draft."""
    latest = survey_selectors.get_latest_version(survey=survey)
    return latest.spec() if latest is not None else survey_selectors.get_survey_spec(survey=survey)


def mappable_questions(spec: SurveySpec) -> list[QuestionSpec]:
    return [q for q in spec.questions() if q.type in MAPPABLE_TYPES and q.choices]


def suggest_recoding(question: QuestionSpec, variable: TargetVariable) -> dict[str, str | None]:
    """Recode each option whose code or label matches a category's (accents ignored); exclude the rest."""
    keys: dict[str, str] = {}
    for category in variable.categories.all():
        for text in (category.code, category.label_vi, category.label_en):
            if text and fold(text):
                keys.setdefault(fold(text), category.code)
    recoding: dict[str, str | None] = {}
    for choice in question.choices:
        match = None
        for text in (choice.value, choice.label.vi, choice.label.en):
            if text and fold(text) in keys:
                match = keys[fold(text)]
                break
        recoding[choice.value] = match
    return recoding


def suggest_question(spec: SurveySpec, variable: TargetVariable) -> QuestionSpec | None:
    """The question whose demographic role measures ``variable`` (``sex`` is measured by gender)."""
    roles = ROLE_ALIASES.get(variable.name, (variable.name,))
    for question in mappable_questions(spec):
        if question.role and question.role.kind == RoleKind.DEMOGRAPHIC and question.role.variable in roles:
            return question
    return None


def suggest_variable_mappings(*, survey: Survey, target_set: TargetSet) -> dict[str, dict[str, Any]]:
    """Return ``{variable: {"question_key", "recoding"}}`` guessed from roles and labels."""
    spec = get_mapping_spec(survey=survey)
    suggestions = {}
    for variable in target_set.variables.all():
        question = suggest_question(spec, variable)
        if question is None:
            suggestions[variable.name] = {"question_key": "", "recoding": {}}
        else:
            suggestions[variable.name] = {
                "question_key": question.key,
                "recoding": suggest_recoding(question, variable),
            }
    return suggestions


def _clean_mapping(
    *, spec: SurveySpec, target_set: TargetSet, variables: Mapping[str, Any]
) -> dict[str, tuple[str, dict[str, str | None]]]:
    fields: dict[str, list[str]] = {}
    known = {v.name: v for v in target_set.variables.all()}
    questions = {q.key: q for q in mappable_questions(spec)}
    if not isinstance(variables, Mapping):
        raise InvalidInput(fields={"variables": [_("Give an object keyed by target variable.")]})
    cleaned: dict[str, tuple[str, dict[str, str | None]]] = {}
    used_keys: dict[str, str] = {}
    for name, item in variables.items():
        path = f"variables.{name}"
        if name not in known:
            fields.setdefault(path, []).append(_("The target set has no variable {name}.").format(name=name))
            continue
        if not isinstance(item, Mapping):
            fields.setdefault(path, []).append(_("Give the question and the recoding."))
            continue
        key = str(item.get("question_key") or "").strip()
        if not key:
            continue  # not used for weighting
        question = questions.get(key)
        if question is None:
            fields.setdefault(f"{path}.question_key", []).append(
                _("“{key}” is not a single-choice question of this survey.").format(key=key)
            )
            continue
        if key in used_keys:
            fields.setdefault(f"{path}.question_key", []).append(
                _("The question {key} already measures {other}.").format(key=key, other=used_keys[key])
            )
            continue
        used_keys[key] = name
        recoding = item.get("recoding")
        if not isinstance(recoding, Mapping):
            fields.setdefault(f"{path}.recoding", []).append(_("Give the recoding of every option."))
            continue
        categories = {c.code for c in known[name].categories.all()}
        options = [c.value for c in question.choices]
        result: dict[str, str | None] = {}
        for option in options:
            if option not in recoding:
                fields.setdefault(f"{path}.recoding.{option}", []).append(
                    _("Choose a target category for the option {option}, or exclude it.").format(option=option)
                )
                continue
            target = recoding[option]
            target = None if target in (None, "") else str(target)
            if target is not None and target not in categories:
                fields.setdefault(f"{path}.recoding.{option}", []).append(
                    _("{category} is not a category of {variable}.").format(category=target, variable=name)
                )
                continue
            result[option] = target
        for option in recoding:
            if option not in options:
                fields.setdefault(f"{path}.recoding.{option}", []).append(
                    _("The question {key} has no option {option}.").format(key=key, option=option)
                )
        if result and all(value is None for value in result.values()):
            fields.setdefault(f"{path}.recoding", []).append(
                _("Every option of {key} is excluded: map at least one to a category.").format(key=key)
            )
        cleaned[name] = (key, result)
    if fields:
        raise InvalidInput(_("The mapping has problems; nothing was saved."), fields=fields)
    return cleaned


@transaction.atomic
def save_target_mapping(
    *,
    survey: Survey,
    target_set: TargetSet,
    variables: Mapping[str, Any] | None = None,
    unmatched_policy: str = SurveyTargetMapping.UnmatchedPolicy.FAIL,
    updated_by: Any = None,
) -> SurveyTargetMapping:
    """Attach ``target_set`` to ``survey`` with a recoding per variable (suggested when omitted).

    Variables left out (or with no question) are not used for weighting.
    """
    if target_set.workspace_id != survey.workspace_id:
        raise NotFound()
    if unmatched_policy not in SurveyTargetMapping.UnmatchedPolicy.values:
        text = _("Choose what happens to respondents without a target category.")
        raise InvalidInput(text, fields={"unmatched_policy": [text]})
    if variables is None:
        variables = suggest_variable_mappings(survey=survey, target_set=target_set)
    cleaned = _clean_mapping(spec=get_mapping_spec(survey=survey), target_set=target_set, variables=variables)
    mapping, _created = SurveyTargetMapping.objects.update_or_create(
        survey=survey,
        defaults={
            "target_set": target_set,
            "unmatched_policy": unmatched_policy,
            "updated_by": updated_by if getattr(updated_by, "is_authenticated", False) else None,
        },
    )
    mapping.variables.all().delete()
    VariableMapping.objects.bulk_create(
        VariableMapping(
            mapping=mapping,
            target_variable=variable,
            question_key=cleaned.get(variable.name, ("", {}))[0],
            recoding=cleaned.get(variable.name, ("", {}))[1],
        )
        for variable in target_set.variables.all()
    )
    return mapping


@transaction.atomic
def detach_target_set(*, survey: Survey) -> None:
    """Remove the survey's mapping; past weighting runs and their weights stay."""
    SurveyTargetMapping.objects.filter(survey=survey).delete()


# --- survey answers as target categories -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class MappedVariable:
    """One target variable as used for a survey: its question, recoding and target shares."""

    name: str
    label_vi: str
    label_en: str
    question_key: str
    recoding: Mapping[str, str | None]
    categories: tuple[str, ...]
    category_labels: tuple[tuple[str, str], ...]  # (vi, en) per category
    shares: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label_vi": self.label_vi,
            "label_en": self.label_en,
            "question_key": self.question_key,
            "recoding": dict(self.recoding),
            "categories": [
                {"code": code, "label_vi": vi, "label_en": en, "share": share}
                for code, (vi, en), share in zip(self.categories, self.category_labels, self.shares, strict=True)
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MappedVariable":
        categories = data["categories"]
        return cls(
            name=data["name"],
            label_vi=data.get("label_vi", ""),
            label_en=data.get("label_en", ""),
            question_key=data["question_key"],
            recoding=dict(data["recoding"]),
            categories=tuple(c["code"] for c in categories),
            category_labels=tuple((c.get("label_vi", ""), c.get("label_en", "")) for c in categories),
            shares=tuple(float(c["share"]) for c in categories),
        )


def mapped_variables(mapping: SurveyTargetMapping) -> list[MappedVariable]:
    """Return the mapping's used variables with their targets normalised to shares."""
    result = []
    for vm in mapping.variables.all():
        if not vm.is_used:
            continue
        variable = vm.target_variable
        categories = list(variable.categories.all())
        total = math.fsum(c.value for c in categories)
        result.append(
            MappedVariable(
                name=variable.name,
                label_vi=variable.label_vi,
                label_en=variable.label_en,
                question_key=vm.question_key,
                recoding=dict(vm.recoding),
                categories=tuple(c.code for c in categories),
                category_labels=tuple((c.label_vi, c.label_en) for c in categories),
                shares=tuple(c.value / total for c in categories),
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class Unmatched:
    """Respondents of one variable without a target category, by reason."""

    variable: str
    missing: int  # no answer
    excluded: int  # an option the mapping excludes
    unknown: int  # an answer the mapping does not list (e.g. an option of another version)

    @property
    def total(self) -> int:
        return self.missing + self.excluded + self.unknown

    def as_dict(self) -> dict[str, Any]:
        return {"variable": self.variable, "missing": self.missing, "excluded": self.excluded, "unknown": self.unknown}


@dataclass(frozen=True, slots=True)
class CodedResponses:
    """Finished responses coded into target categories; ``codes[v][i] == -1`` when unmatched."""

    response_ids: np.ndarray
    codes: Mapping[str, np.ndarray]
    unmatched: tuple[Unmatched, ...]

    @property
    def matched(self) -> np.ndarray:
        """Whether each respondent has a target category for every variable."""
        mask = np.ones(self.response_ids.size, dtype=bool)
        for array in self.codes.values():
            mask &= array >= 0
        return mask


def code_responses(*, survey: Survey, variables: Sequence[MappedVariable]) -> CodedResponses:
    """Code the survey's finished responses into each variable's target categories."""
    keys = [v.question_key for v in variables]
    rows = (
        Response.objects.filter(survey=survey)
        .finished()
        .order_by("id")
        .values_list("id", *[f"answers__{key}" for key in keys])
    )
    ids: list[int] = []
    columns: list[list[object]] = [[] for _key in keys]
    for row in rows.iterator(chunk_size=5000):
        ids.append(row[0])
        for column, value in zip(columns, row[1:], strict=True):
            column.append(value)
    codes = {}
    unmatched = []
    for variable, column in zip(variables, columns, strict=True):
        index = {code: position for position, code in enumerate(variable.categories)}
        array = np.full(len(column), -1, dtype=np.int64)
        missing = excluded = unknown = 0
        for row, value in enumerate(column):
            if value is None or value == "" or isinstance(value, list | dict):
                missing += 1
                continue
            answer = str(value)
            if answer not in variable.recoding:
                unknown += 1
                continue
            category = variable.recoding[answer]
            if category is None:
                excluded += 1
                continue
            array[row] = index[category]
        codes[variable.name] = array
        unmatched.append(Unmatched(variable.name, missing, excluded, unknown))
    return CodedResponses(np.asarray(ids, dtype=np.int64), codes, tuple(unmatched))


def target_set_of(variables: Sequence[MappedVariable]) -> weighting.TargetSet:
    return weighting.build_target_set(
        {v.name: dict(zip(v.categories, v.shares, strict=True)) for v in variables}, kind=weighting.TargetKind.SHARES
    )


# --- weighting runs --------------------------------------------------------------------------


def _bound(value: object, field: str) -> float | None:
    if value in (None, ""):
        return None
    number = _number(value)
    if number is None or number < 0:
        text = _("Give a number of at least 0.")
        raise InvalidInput(text, fields={field: [text]})
    return number


@transaction.atomic
def create_weighting_run(
    *, survey: Survey, created_by: Any = None, lower_bound: object = None, upper_bound: object = None
) -> WeightingRun:
    """Queue a raking of the survey's finished responses against its mapped targets."""
    mapping = SurveyTargetMapping.objects.select_for_update().filter(survey=survey).first()
    if mapping is None:
        raise InvalidInput(_("Attach a target set to the survey first."), code="no_targets")
    mapping = selectors.get_target_mapping(survey=survey)
    variables = mapped_variables(mapping)
    if not variables:
        raise InvalidInput(_("Map at least one target variable to a question first."), code="no_mapped_variables")
    lower, upper = _bound(lower_bound, "lower_bound"), _bound(upper_bound, "upper_bound")
    fields = {}
    if lower is not None and lower > 1:
        fields["lower_bound"] = [_("The minimum weight must be at most 1 (the mean weight).")]
    if upper is not None and upper < 1:
        fields["upper_bound"] = [_("The maximum weight must be at least 1 (the mean weight).")]
    if fields:
        raise InvalidInput(_("The bounds on the weights are not valid."), fields=fields)
    recent = timezone.now() - STALE_RUN
    busy = WeightingRun.objects.filter(
        survey=survey, status__in=[WeightingRun.Status.QUEUED, WeightingRun.Status.RUNNING], created_at__gte=recent
    ).exists()
    if busy:
        raise Conflict(_("A weighting run of this survey is already in progress."), code="run_in_progress")
    run = WeightingRun.objects.create(
        survey=survey,
        target_set=mapping.target_set,
        targets={"variables": [v.as_dict() for v in variables], "target_set_name": mapping.target_set.name},
        options={
            "lower_bound": lower,
            "upper_bound": upper,
            "tolerance": weighting.DEFAULT_TOLERANCE,
            "max_sweeps": weighting.DEFAULT_MAX_SWEEPS,
            "unmatched_policy": mapping.unmatched_policy,
        },
        celery_task_id=str(uuid.uuid4()),
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    jobs.enqueue_on_commit(run)  # Redis away: the run stays queued and is sent when it is back
    audit.record(created_by, survey.workspace, audit.Action.WEIGHTING_RUN, run)
    return run


class RunRefused(Exception):
    """A run that cannot produce weights, with a translatable message and what was learnt so far."""

    def __init__(self, text: Message, diagnostics: Mapping[str, Any] | None = None) -> None:
        super().__init__(text.template)
        self.message = text
        self.diagnostics = dict(diagnostics or {})


def _plain(value: object) -> object:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def json_safe(value: Any) -> Any:
    """Return ``value`` with NaN and infinities as None: JSON (and the database's JSON check) has no such numbers."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, Mapping):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def _set_progress(run_id: int, percent: int) -> None:
    WeightingRun.objects.filter(id=run_id).update(progress=percent)


def _comparison(comparison: weighting.SampleComparison) -> dict[str, Any]:
    return {
        "n": comparison.n,
        "is_weighted": comparison.is_weighted,
        "effective_sample_size": comparison.effective_sample_size,
        "categories": [
            {
                "variable": c.variable,
                "category": c.category,
                "count": c.count,
                "weighted_count": c.weighted_count,
                "share": c.share,
                "target_share": c.target_share,
                "difference": c.difference,
                "standardised_difference": c.standardised_difference,
            }
            for c in comparison.categories
        ],
        "fits": [fit_as_dict(f) for f in comparison.fits],
    }


def fit_as_dict(fit: weighting.GoodnessOfFit) -> dict[str, Any]:
    return {
        "variable": fit.variable,
        "n": fit.n,
        "degrees_of_freedom": fit.degrees_of_freedom,
        "chi_square": fit.chi_square,
        "chi_square_p_value": fit.chi_square_p_value,
        "g_statistic": fit.g_statistic,
        "g_p_value": fit.g_p_value,
        "cohens_w": fit.cohens_w,
    }


def _diagnostics(result: weighting.RakingResult, coded: CodedResponses, n_weighted: int) -> dict[str, Any]:
    summary = result.summary
    return {
        "n_responses": int(coded.response_ids.size),
        "n_weighted": n_weighted,
        "n_excluded": int(coded.response_ids.size) - n_weighted,
        "unmatched": [u.as_dict() for u in coded.unmatched],
        "status": str(result.status),
        "converged": result.converged,
        "sweeps": result.sweeps,
        "max_error": result.max_error,
        "tolerance": result.tolerance,
        "max_sweeps": result.max_sweeps,
        "lower_bound": result.lower_bound,
        "upper_bound": result.upper_bound,
        "cells": result.cells,
        "summary": {
            "n": summary.n,
            "total": summary.total,
            "mean": summary.mean,
            "minimum": summary.minimum,
            "maximum": summary.maximum,
            "ratio": summary.ratio,
            "percentiles": [[p, w] for p, w in summary.percentiles],
            "design_effect": summary.design_effect,
            "effective_sample_size": summary.effective_sample_size,
        },
        "errors": [
            {
                "variable": e.variable,
                "category": e.category,
                "target_share": e.target_share,
                "achieved_share": e.achieved_share,
                "absolute_error": e.absolute_error,
            }
            for e in result.errors
        ],
        "segments": [
            {
                "variable": s.variable,
                "category": s.category,
                "n": s.n,
                "design_effect": s.design_effect,
                "effective_sample_size": s.effective_sample_size,
            }
            for s in result.segments
        ],
        "before": _comparison(result.before),
        "after": _comparison(result.after),
    }


def _unmatched_message(unmatched: Sequence[Unmatched], variables: Sequence[MappedVariable]) -> Message:
    first = next(u for u in unmatched if u.total)
    question = next(v.question_key for v in variables if v.name == first.variable)
    return message(
        gettext_noop(
            "{count} respondents have no target category for {variable} (question {question}): {missing} did not"
            " answer, {excluded} chose an excluded option, {unknown} gave an answer the mapping does not list."
            " Map those options to categories, or choose to exclude such respondents from weighting."
        ),
        count=first.total,
        variable=first.variable,
        question=question,
        missing=first.missing,
        excluded=first.excluded,
        unknown=first.unknown,
    )


def compute_weights(
    *,
    survey: Survey,
    variables: Sequence[MappedVariable],
    options: Mapping[str, Any],
    progress: Callable[[int], None] = lambda percent: None,
) -> tuple[CodedResponses, np.ndarray, dict[str, Any]]:
    """Rake the survey's finished responses; return them, one weight each (0 = excluded), and the diagnostics.

    Raises RunRefused when no weights can be given.
    """
    coded = code_responses(survey=survey, variables=variables)
    progress(30)
    if coded.response_ids.size == 0:
        raise RunRefused(message(gettext_noop("The survey has no finished responses to weight.")))
    unmatched_info = {"n_responses": int(coded.response_ids.size), "unmatched": [u.as_dict() for u in coded.unmatched]}
    policy = options.get("unmatched_policy", SurveyTargetMapping.UnmatchedPolicy.FAIL)
    if any(u.total for u in coded.unmatched) and policy != SurveyTargetMapping.UnmatchedPolicy.EXCLUDE:
        raise RunRefused(_unmatched_message(coded.unmatched, variables), unmatched_info)
    matched = coded.matched
    try:
        result = weighting.rake(
            {name: array[matched] for name, array in coded.codes.items()},
            target_set_of(variables),
            lower_bound=options.get("lower_bound"),
            upper_bound=options.get("upper_bound"),
            tolerance=options.get("tolerance", weighting.DEFAULT_TOLERANCE),
            max_sweeps=options.get("max_sweeps", weighting.DEFAULT_MAX_SWEEPS),
        )
    except weighting.WeightingInputError as error:
        raise RunRefused(error.message, unmatched_info) from None
    progress(70)
    diagnostics = json_safe(_diagnostics(result, coded, int(matched.sum())))
    if not result.converged:
        raise RunRefused(result.message, diagnostics)
    weights = np.zeros(coded.response_ids.size)
    weights[matched] = result.weights
    return coded, weights, diagnostics


def _fail_run(run_id: int, text: Message, diagnostics: Mapping[str, Any]) -> None:
    WeightingRun.objects.filter(id=run_id).update(
        status=WeightingRun.Status.FAILED,
        progress=100,
        error_message=text.template,
        error_params={key: _plain(value) for key, value in text.params.items()},
        diagnostics=json_safe(dict(diagnostics)),
        finished_at=timezone.now(),
    )


def run_weighting(*, run_id: int) -> WeightingRun | None:
    """Compute and store the weights of a queued run; safe to run again (a retry redoes it).

    The weights, the diagnostics and the "succeeded" status are written in one transaction: a run
    never has half its weights. A refused run is marked failed with its translatable reason.
    """
    run = WeightingRun.objects.select_related("survey").filter(id=run_id).first()
    if run is None or run.is_finished:
        return run
    WeightingRun.objects.filter(id=run_id).update(
        status=WeightingRun.Status.RUNNING, started_at=timezone.now(), progress=5
    )
    variables = [MappedVariable.from_dict(v) for v in run.targets.get("variables", [])]
    try:
        coded, weights, diagnostics = compute_weights(
            survey=run.survey, variables=variables, options=run.options, progress=lambda p: _set_progress(run_id, p)
        )
    except RunRefused as refused:
        _fail_run(run_id, refused.message, refused.diagnostics)
        run.refresh_from_db()
        return run
    with transaction.atomic():
        run = WeightingRun.objects.select_for_update().get(id=run_id)
        if run.is_finished:
            return run
        ResponseWeight.objects.filter(run=run).delete()
        ResponseWeight.objects.bulk_create(
            (
                ResponseWeight(run=run, response_id=int(response_id), weight=float(weight))
                for response_id, weight in zip(coded.response_ids, weights, strict=True)
            ),
            batch_size=WEIGHTS_BATCH,
        )
        run.status = WeightingRun.Status.SUCCEEDED
        run.progress = 100
        run.diagnostics = diagnostics
        run.error_message, run.error_params = "", {}
        run.finished_at = timezone.now()
        run.save()
    return run


def mark_run_failed(*, run_id: int) -> None:
    """Record that a run's task gave up after its retries (the database or worker failed)."""
    WeightingRun.objects.filter(id=run_id).exclude(
        status__in=[WeightingRun.Status.SUCCEEDED, WeightingRun.Status.FAILED]
    ).update(
        status=WeightingRun.Status.FAILED,
        progress=100,
        error_message=gettext_noop("The weighting task failed unexpectedly; run it again."),
        error_params={},
        finished_at=timezone.now(),
    )


@transaction.atomic
def discard_weights(*, survey: Survey, discarded_by: Any = None) -> WeightingRun:
    """Drop the survey's current weights; results, crosstabs and exports are unweighted until a new run succeeds.

    The current weights are those of the latest succeeded run (``selectors.get_active_run``).
    Their ``ResponseWeight`` rows are deleted; the run stays, with its options and diagnostics, as
    the record of what was computed, and the audit log says who discarded it and when. Older runs'
    weights do not come back into use. Refused (409, nothing changed) when there are no current
    weights, so discarding twice records nothing twice.
    """
    run = selectors.get_active_run(survey=survey)
    if run is not None:
        # Lock the run so that a concurrent discard waits, then finds its weights gone.
        run = WeightingRun.objects.select_for_update().filter(id=run.id).first()
    deleted = ResponseWeight.objects.filter(run=run).delete()[0] if run is not None else 0
    if not deleted:
        raise Conflict(_("This survey has no weights to discard."), code="no_weights")
    audit.record(discarded_by, survey.workspace, audit.Action.DELETED, run, count=deleted)
    return run


def render_run_error(run: WeightingRun) -> str:
    """The run's error in the active language."""
    if not run.error_message:
        return ""
    try:
        return _(run.error_message).format(**run.error_params)
    except (KeyError, IndexError, ValueError):
        return _(run.error_message)
