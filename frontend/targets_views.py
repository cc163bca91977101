"""The target sets page of a workspace: list, create (typed in, uploaded, or from the census preset), edit, delete.

Every page works with plain form posts. Typing targets in uses the same table as the upload
(one line per category: variable, category, value, label in Vietnamese, label in English), so one
reader checks both and reports every bad line; nothing is saved until all lines are right.
Members who may analyse (owners, researchers, analysts) edit; viewers read.
"""

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis import selectors, services
from analysis.models import CENSUS_2019_PRESET, TargetSet
from frontend.views import _can, researcher_view
from surveys import selectors as survey_selectors
from surveys.core.roles import Capability
from surveys.errors import DomainError, InvalidInput
from surveys.models import Workspace

LIST_TEMPLATE = "frontend/targets/list.html"
FORM_TEMPLATE = "frontend/targets/form.html"


class TargetSetForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    kind = forms.ChoiceField(
        label=gettext_lazy("The values are"),
        choices=[
            ("share", gettext_lazy("Shares (each variable adds up to 1)")),
            ("count", gettext_lazy("Counts or percentages (any total)")),
        ],
    )
    rows = forms.CharField(
        label=gettext_lazy("Targets"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "mono", "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One line per category: variable, category, value, label in Vietnamese, label in English."
            " Example: sex,female,0.502,Nữ,Female"
        ),
    )
    source = forms.CharField(label=gettext_lazy("Source"), max_length=500, required=False)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TargetUploadForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    file = forms.FileField(
        label=gettext_lazy("CSV or Excel file"),
        help_text=gettext_lazy(
            "Columns: variable, category, share or count, label_vi, label_en. Shares of a variable add up to 1."
        ),
    )
    source = forms.CharField(label=gettext_lazy("Source"), max_length=500, required=False)


def _plain_number(value: float) -> str:
    """The number as typed: 47881061 for a count, the shortest exact digits for a share."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _rows_text(target_set: TargetSet) -> tuple[str, str]:
    """Return the target set as editable lines, and whether they are shares or counts."""
    variables = list(target_set.variables.all())
    kinds = {v.kind for v in variables}
    as_counts = kinds == {"counts"}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for variable in variables:
        categories = list(variable.categories.all())
        total = sum(c.value for c in categories) or 1.0
        for c in categories:
            # Mixed kinds are shown as shares: the same targets, one scale.
            value = c.value if as_counts or variable.kind == "shares" else c.value / total
            writer.writerow([variable.name, c.code, _plain_number(value), c.label_vi, c.label_en])
    return buffer.getvalue(), "count" if as_counts else "share"


def _variables_from_rows(form: TargetSetForm) -> tuple[services.VariableInput, ...]:
    header = f"variable,category,{form.cleaned_data['kind']},label_vi,label_en\n"
    data = (header + form.cleaned_data["rows"].strip() + "\n").encode("utf-8")
    return services.read_target_file(data)


def _error_lines(error: DomainError) -> list[str]:
    lines = [text for texts in error.fields.values() for text in texts]
    return lines or [str(error.message)]


def _list(
    request: HttpRequest,
    workspace: Workspace,
    *,
    upload: TargetUploadForm | None = None,
    status: int = 200,
    errors: list[str] | None = None,
) -> HttpResponse:
    context = {
        "workspace": workspace,
        "target_sets": selectors.list_target_sets(workspace=workspace),
        "can_edit": _can(request, workspace, Capability.ANALYSE),
        "upload": upload or TargetUploadForm(),
        "preset": CENSUS_2019_PRESET,
        "errors": errors or [],
    }
    return render(request, LIST_TEMPLATE, context, status=status)


@researcher_view
def target_sets(request: HttpRequest, slug: str) -> HttpResponse:
    """List the workspace's target sets with the ways to add one."""
    workspace = survey_selectors.get_workspace_for_user(slug=slug, user=request.user)
    return _list(request, workspace)


@researcher_view
def target_set_preset(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("frontend:target-sets", slug=slug)
    workspace = survey_selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    target_set = services.create_target_set_from_preset(
        workspace=workspace, preset=request.POST.get("preset", ""), created_by=request.user
    )
    messages.success(request, _("Target set “{name}” created.").format(name=target_set.name))
    return redirect("frontend:target-sets", slug=slug)


@researcher_view
def target_set_upload(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("frontend:target-sets", slug=slug)
    workspace = survey_selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    form = TargetUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list(request, workspace, upload=form, status=400)
    try:
        target_set = services.import_target_set(
            workspace=workspace,
            name=form.cleaned_data["name"],
            file=form.cleaned_data["file"],
            created_by=request.user,
            source=form.cleaned_data["source"],
        )
    except InvalidInput as error:
        return _list(request, workspace, upload=form, status=400, errors=_error_lines(error))
    messages.success(request, _("Target set “{name}” created.").format(name=target_set.name))
    return redirect("frontend:target-sets", slug=slug)


def _form_page(
    request: HttpRequest,
    workspace: Workspace,
    form: TargetSetForm,
    *,
    target_set: TargetSet | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"workspace": workspace, "form": form, "target_set": target_set, "errors": errors or []}
    return render(request, FORM_TEMPLATE, context, status=status)


@researcher_view
def target_set_create(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = survey_selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    if request.method != "POST":
        return _form_page(request, workspace, TargetSetForm(initial={"kind": "share"}))
    form = TargetSetForm(request.POST)
    if not form.is_valid():
        return _form_page(request, workspace, form, status=400)
    try:
        target_set = services.create_target_set(
            workspace=workspace,
            name=form.cleaned_data["name"],
            variables=_variables_from_rows(form),
            created_by=request.user,
            source=form.cleaned_data["source"],
            notes=form.cleaned_data["notes"],
        )
    except InvalidInput as error:
        return _form_page(request, workspace, form, errors=_error_lines(error), status=400)
    messages.success(request, _("Target set “{name}” created.").format(name=target_set.name))
    return redirect("frontend:target-sets", slug=slug)


@researcher_view
def target_set_edit(request: HttpRequest, target_set_id: int) -> HttpResponse:
    target_set = selectors.get_target_set_for_user(
        target_set_id=target_set_id, user=request.user, capability=Capability.ANALYSE
    )
    workspace = target_set.workspace
    if request.method != "POST":
        rows, kind = _rows_text(target_set)
        initial = {
            "name": target_set.name,
            "kind": kind,
            "rows": rows,
            "source": target_set.source,
            "notes": target_set.notes,
        }
        return _form_page(request, workspace, TargetSetForm(initial=initial), target_set=target_set)
    form = TargetSetForm(request.POST)
    if not form.is_valid():
        return _form_page(request, workspace, form, target_set=target_set, status=400)
    try:
        variables = _variables_from_rows(form)
        services.update_target_set(
            target_set=target_set,
            name=form.cleaned_data["name"],
            variables=[
                {
                    "name": v.name,
                    "kind": v.kind,
                    "label_vi": v.label_vi,
                    "label_en": v.label_en,
                    "categories": [
                        {"code": c.code, "value": c.value, "label_vi": c.label_vi, "label_en": c.label_en}
                        for c in v.categories
                    ],
                }
                for v in variables
            ],
            source=form.cleaned_data["source"],
            notes=form.cleaned_data["notes"],
        )
    except DomainError as error:
        return _form_page(request, workspace, form, target_set=target_set, errors=_error_lines(error), status=400)
    messages.success(request, _("Target set “{name}” saved.").format(name=form.cleaned_data["name"]))
    return redirect("frontend:target-sets", slug=workspace.slug)


@researcher_view
def target_set_delete(request: HttpRequest, target_set_id: int) -> HttpResponse:
    target_set = selectors.get_target_set_for_user(
        target_set_id=target_set_id, user=request.user, capability=Capability.ANALYSE
    )
    slug = target_set.workspace.slug
    if request.method != "POST":
        return redirect("frontend:target-sets", slug=slug)
    try:
        services.delete_target_set(target_set=target_set)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("frontend:target-sets", slug=slug)
    messages.success(request, _("Target set “{name}” deleted.").format(name=target_set.name))
    return redirect("frontend:target-sets", slug=slug)
