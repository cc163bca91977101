"""Researcher pages: accounts, workspaces, the survey builder, preview, publishing and XLSForm.

Every write is a form posted to its own URL. A browser without JavaScript gets a redirect back
to the page (or the page again with the error and the status code); an htmx request gets the
re-rendered part of the page it came from (a question card or the page list).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config import ratelimit
from frontend import builder, forms, lint_display, preview
from surveys import selectors, services
from surveys.core.questionnaire import Problem
from surveys.core.roles import Capability, has_capability
from surveys.core.versions import diff_surveys
from surveys.errors import DomainError, InvalidInput
from surveys.models import Choice, Page, Question, Survey, Workspace

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- errors -------------------------------------------------------------------------------


def domain_errors_as_pages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render "not found" / "permission denied" / other refusals as an error page with their status."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            template = "frontend/_error_fragment.html" if request.htmx else "frontend/error.html"
            return render(request, template, {"error": error}, status=error.http_status)

    return wrapper


def researcher_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require a signed-in user and map domain errors to error pages."""
    return login_required(domain_errors_as_pages(view))


# --- accounts -----------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send a visitor to their workspaces, or to sign in."""
    return redirect("frontend:workspace-list" if request.user.is_authenticated else "frontend:login")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account (email and password) with its first workspace, and sign in."""
    if request.user.is_authenticated:
        return redirect("frontend:workspace-list")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            # The account and its first workspace exist together or not at all.
            with transaction.atomic():
                user = form.save()
                services.get_or_create_default_workspace(user=user)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your workspace is ready."))
            return redirect("frontend:workspace-list")
        return render(request, "frontend/accounts/signup.html", {"form": form}, status=400)
    return render(request, "frontend/accounts/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "frontend/accounts/login.html"
    authentication_form = forms.EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Refused before the password is checked, so guessing on learns nothing (config/ratelimit.py).
        attempt = ratelimit.LoginAttempt.from_request(request, email=request.POST.get("username", ""))
        if ratelimit.is_login_blocked(attempt):
            messages.error(request, ratelimit.blocked_message())
            form = self.get_form_class()(request, initial={"username": attempt.email})
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(ratelimit.retry_after_seconds())
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: forms.EmailAuthenticationForm) -> HttpResponse:
        email = self.request.POST.get("username", "")
        ratelimit.clear_failed_logins(ratelimit.LoginAttempt.from_request(self.request, email=email))
        return super().form_valid(form)

    def form_invalid(self, form: forms.EmailAuthenticationForm) -> HttpResponse:
        email = self.request.POST.get("username", "")
        ratelimit.record_failed_login(ratelimit.LoginAttempt.from_request(self.request, email=email))
        return super().form_invalid(form)


# --- workspaces ---------------------------------------------------------------------------


def _workspace_list(request: HttpRequest, form: forms.WorkspaceForm, *, status: int = 200) -> HttpResponse:
    workspaces = selectors.list_workspaces_for_user(user=request.user)
    return render(request, "frontend/workspaces/list.html", {"workspaces": workspaces, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@researcher_view
def workspace_list(request: HttpRequest) -> HttpResponse:
    """List the user's workspaces and create a new one."""
    if request.method == "GET":
        return _workspace_list(request, forms.WorkspaceForm())
    form = forms.WorkspaceForm(request.POST)
    if not form.is_valid():
        return _workspace_list(request, form, status=400)
    try:
        workspace = services.create_workspace(name=form.cleaned_data["name"], owner=request.user)
    except DomainError as error:
        form.add_domain_error(error)
        return _workspace_list(request, form, status=error.http_status)
    messages.success(request, _("Workspace “%(name)s” created.") % {"name": workspace.name})
    return redirect("frontend:workspace-detail", slug=workspace.slug)


def _can(request: HttpRequest, workspace: Workspace, capability: Capability) -> bool:
    role = selectors.get_role(workspace=workspace, user=request.user)
    return role is not None and has_capability(role, capability)


def _workspace_detail(
    request: HttpRequest, workspace: Workspace, form: forms.SurveyForm | None = None, *, status: int = 200
) -> HttpResponse:
    can_edit = _can(request, workspace, Capability.EDIT)
    if form is None and can_edit:
        form = forms.SurveyForm(with_description=False)
    context = {
        "workspace": workspace,
        "surveys": selectors.list_surveys_for_user(user=request.user, workspace=workspace),
        "can_edit": can_edit,
        "can_manage": _can(request, workspace, Capability.MANAGE),
        "form": form,
    }
    return render(request, "frontend/workspaces/detail.html", context, status=status)


@require_GET
@researcher_view
def workspace_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show a workspace's surveys and the form to start a new one."""
    workspace = selectors.get_workspace_for_user(slug=slug, user=request.user)
    return _workspace_detail(request, workspace)


@require_POST
@researcher_view
def survey_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Create a draft survey in the workspace and open its builder."""
    workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
    form = forms.SurveyForm(request.POST, with_description=False)
    if not form.is_valid():
        return _workspace_detail(request, workspace, form, status=400)
    try:
        survey = services.create_survey(workspace=workspace, created_by=request.user, **form.changes())
    except DomainError as error:
        form.add_domain_error(error, forms.SurveyForm.ERROR_ALIASES)
        return _workspace_detail(request, workspace, form, status=error.http_status)
    messages.success(request, _("Survey created. Add your first question below."))
    return redirect("frontend:survey-builder", slug=survey.slug)


def _members_page(
    request: HttpRequest,
    workspace: Workspace,
    *,
    add_form: forms.MemberAddForm | None = None,
    failure: builder.Failure | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = _can(request, workspace, Capability.MANAGE)
    members = [
        (
            membership,
            forms.MemberRoleForm(initial={"role": membership.role}, prefix=f"m{membership.id}") if can_manage else None,
        )
        for membership in selectors.list_members(workspace=workspace)
    ]
    context = {
        "workspace": workspace,
        "members": members,
        "can_manage": can_manage,
        "add_form": add_form or (forms.MemberAddForm() if can_manage else None),
        "failure": failure,
    }
    return render(request, "frontend/workspaces/members.html", context, status=status)


@require_GET
@researcher_view
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """List the workspace's members; owners also get the forms to manage them."""
    workspace = selectors.get_workspace_for_user(slug=slug, user=request.user)
    return _members_page(request, workspace)


@require_POST
@researcher_view
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Add an existing account to the workspace with a role."""
    workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
    form = forms.MemberAddForm(request.POST)
    if not form.is_valid():
        return _members_page(request, workspace, add_form=form, status=400)
    try:
        membership = services.add_member(workspace=workspace, **form.cleaned_data)
    except DomainError as error:
        failure = builder.failure_for("member-add", form=form, error=error)
        return _members_page(request, workspace, add_form=form, failure=failure, status=failure.status)
    messages.success(request, _("%(email)s was added.") % {"email": membership.user.email})
    return redirect("frontend:members", slug=workspace.slug)


@require_POST
@researcher_view
def member_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Change a member's role."""
    workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
    membership = selectors.get_member_for_user(membership_id=membership_id, workspace=workspace)
    form = forms.MemberRoleForm(request.POST, prefix=f"m{membership.id}")
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose one of the listed roles."))
        services.change_member_role(membership=membership, role=form.cleaned_data["role"])
    except DomainError as error:
        failure = builder.failure_for(f"member-{membership.id}", error=error)
        return _members_page(request, workspace, failure=failure, status=failure.status)
    messages.success(request, _("The role of %(email)s was changed.") % {"email": membership.user.email})
    return redirect("frontend:members", slug=workspace.slug)


@require_POST
@researcher_view
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Remove a member from the workspace."""
    workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
    membership = selectors.get_member_for_user(membership_id=membership_id, workspace=workspace)
    try:
        services.remove_member(membership=membership)
    except DomainError as error:
        failure = builder.failure_for(f"member-{membership.id}", error=error)
        return _members_page(request, workspace, failure=failure, status=failure.status)
    messages.success(request, _("%(email)s was removed from the workspace.") % {"email": membership.user.email})
    return redirect("frontend:members", slug=workspace.slug)


@require_http_methods(["GET", "POST"])
@researcher_view
def xlsform_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Create a draft survey from an uploaded XLSForm workbook."""
    workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
    form = forms.XLSFormImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"workspace": workspace, "form": form}
    if request.method == "GET":
        return render(request, "frontend/workspaces/import.html", context)
    if not form.is_valid():
        return render(request, "frontend/workspaces/import.html", context, status=400)
    try:
        survey = services.import_survey_xlsform(
            workspace=workspace, file=form.cleaned_data["file"], created_by=request.user
        )
    except DomainError as error:
        context["error"] = error
        context["cells"] = [(name, text) for name, texts in error.fields.items() for text in texts]
        return render(request, "frontend/workspaces/import.html", context, status=error.http_status)
    messages.success(request, _("The questionnaire was imported as a draft survey."))
    return redirect("frontend:survey-builder", slug=survey.slug)


BUILDER_TEMPLATE = "frontend/surveys/builder.html"
PARTIALS = {
    "card": "frontend/surveys/_question_card.html",
    "pages": "frontend/surveys/_pages.html",
}


def _render_builder(
    request: HttpRequest,
    survey: Survey,
    *,
    failure: builder.Failure | None = None,
    partial: str = "",
    question_id: int | None = None,
    saved: str = "",
) -> HttpResponse:
    """Render the builder, or for an htmx request only the part that changed."""
    page = builder.build(
        survey, can_edit=_can(request, survey.workspace, Capability.EDIT), failure=failure, saved=saved
    )
    status = failure.status if failure is not None else 200
    context: dict[str, Any] = {"builder": page, "head": page, "survey": survey}
    if request.htmx and partial:
        if partial == "card" and question_id is not None:
            context["card"] = page.card(question_id)
        return render(request, PARTIALS[partial], context | {"oob": True}, status=status)
    return render(request, BUILDER_TEMPLATE, context, status=status)


def _after_write(
    request: HttpRequest,
    survey: Survey,
    *,
    message: str,
    anchor: str,
    partial: str,
    question_id: int | None = None,
    saved: str = "",
) -> HttpResponse:
    """Answer a successful builder write: a partial for htmx, else a redirect to the builder."""
    if request.htmx:
        return _render_builder(request, survey, partial=partial, question_id=question_id, saved=saved)
    messages.success(request, message)
    return redirect(reverse("frontend:survey-builder", kwargs={"slug": survey.slug}) + f"#{anchor}")


def _refused(
    request: HttpRequest, survey: Survey, failure: builder.Failure, *, partial: str, question_id: int | None = None
) -> HttpResponse:
    # A refused write rolled back, but an instance the service touched may hold the refused values.
    survey.refresh_from_db()
    return _render_builder(request, survey, failure=failure, partial=partial, question_id=question_id)


# --- the builder: pages ---------------------------------------------------------------------


@require_GET
@researcher_view
def survey_builder(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the survey builder (read-only without the EDIT capability)."""
    survey = selectors.get_survey_for_user(slug=slug, user=request.user)
    return _render_builder(request, survey)


@require_POST
@researcher_view
def survey_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Change the survey's title, description and languages."""
    survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
    form = forms.SurveyForm(request.POST)
    try:
        if not form.is_valid():
            return _refused(request, survey, builder.failure_for("settings", form=form), partial="")
        services.update_survey(survey=survey, **form.changes())
    except DomainError as error:
        failure = builder.failure_for("settings", form=form, error=error, aliases=forms.SurveyForm.ERROR_ALIASES)
        return _refused(request, survey, failure, partial="")
    # Languages decide which text fields every card shows, so this form always reloads the page.
    messages.success(request, _("Survey settings saved."))
    return redirect(reverse("frontend:survey-builder", kwargs={"slug": survey.slug}) + "#settings")


@require_POST
@researcher_view
def page_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Add an empty page at the end of the survey."""
    survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
    try:
        page = services.create_page(survey=survey)
    except DomainError as error:
        return _refused(request, survey, builder.failure_for("pages", error=error), partial="pages")
    return _after_write(request, survey, message=_("Page added."), anchor=f"page-{page.id}", partial="pages")


@require_POST
@researcher_view
def page_update(request: HttpRequest, page_id: int) -> HttpResponse:
    """Rename a page and set whether its questions are shuffled."""
    page = selectors.get_page_for_user(page_id=page_id, user=request.user, capability=Capability.EDIT)
    survey = page.survey
    form = forms.PageForm(request.POST, languages=survey.languages, prefix=f"p{page.id}")
    slot = f"page-{page.id}"
    try:
        if not form.is_valid():
            return _refused(request, survey, builder.failure_for(slot, form=form), partial="pages")
        services.update_page(page=page, **form.changes(page))
    except DomainError as error:
        return _refused(
            request,
            survey,
            builder.failure_for(slot, form=form, error=error, aliases={"title": "title_vi"}),
            partial="pages",
        )
    return _after_write(request, survey, message=_("Page saved."), anchor=slot, partial="pages")


@require_POST
@researcher_view
def page_move(request: HttpRequest, page_id: int) -> HttpResponse:
    """Move a page up or down."""
    page = selectors.get_page_for_user(page_id=page_id, user=request.user, capability=Capability.EDIT)
    form = forms.MoveForm(request.POST)
    slot = f"page-{page.id}"
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose to move up or down."))
        services.update_page(page=page, position=max(0, page.position + form.offset()))
    except DomainError as error:
        return _refused(request, page.survey, builder.failure_for(slot, error=error), partial="pages")
    return _after_write(request, page.survey, message=_("Page moved."), anchor=slot, partial="pages")


@require_POST
@researcher_view
def page_delete(request: HttpRequest, page_id: int) -> HttpResponse:
    """Delete a page and its questions."""
    page = selectors.get_page_for_user(page_id=page_id, user=request.user, capability=Capability.EDIT)
    survey = page.survey
    try:
        services.delete_page(page=page)
    except DomainError as error:
        return _refused(request, survey, builder.failure_for(f"page-{page_id}", error=error), partial="pages")
    return _after_write(request, survey, message=_("Page deleted."), anchor="pages", partial="pages")


# --- the builder: questions -----------------------------------------------------------------


@require_POST
@researcher_view
def question_add(request: HttpRequest, page_id: int) -> HttpResponse:
    """Add a question of the chosen type at the end of a page."""
    page = selectors.get_page_for_user(page_id=page_id, user=request.user, capability=Capability.EDIT)
    form = forms.NewQuestionForm(request.POST)
    slot = f"add-question-{page.id}"
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose a question type."))
        question = services.create_question(page=page, type=form.cleaned_data["type"])
    except DomainError as error:
        return _refused(request, page.survey, builder.failure_for(slot, error=error), partial="pages")
    return _after_write(
        request,
        page.survey,
        message=_("Question added; write its text below."),
        anchor=f"q-{question.id}",
        partial="pages",
        saved=f"new-question-{question.id}",
    )


@require_POST
@researcher_view
def question_update(request: HttpRequest, question_id: int) -> HttpResponse:
    """Save a question's texts and settings."""
    question = selectors.get_question_for_user(question_id=question_id, user=request.user, capability=Capability.EDIT)
    survey = question.survey
    form = forms.QuestionForm(request.POST, question=question, languages=survey.languages, prefix=f"q{question.id}")
    slot = f"question-{question.id}"
    try:
        if not form.is_valid():
            return _refused(
                request, survey, builder.failure_for(slot, form=form), partial="card", question_id=question.id
            )
        services.update_question(question=question, **form.changes())
    except DomainError as error:
        failure = builder.failure_for(slot, form=form, error=error, aliases=forms.QuestionForm.ERROR_ALIASES)
        return _refused(request, survey, failure, partial="card", question_id=question_id)
    return _after_write(
        request,
        survey,
        message=_("Question %(key)s saved.") % {"key": question.key},
        anchor=f"q-{question.id}",
        partial="card",
        question_id=question.id,
        saved=slot,
    )


@require_POST
@researcher_view
def question_move(request: HttpRequest, question_id: int) -> HttpResponse:
    """Move a question up or down on its page."""
    question = selectors.get_question_for_user(question_id=question_id, user=request.user, capability=Capability.EDIT)
    form = forms.MoveForm(request.POST)
    slot = f"question-{question.id}"
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose to move up or down."))
        services.move_question(question=question, position=max(0, question.position + form.offset()))
    except DomainError as error:
        return _refused(request, question.survey, builder.failure_for(slot, error=error), partial="pages")
    return _after_write(
        request, question.survey, message=_("Question moved."), anchor=f"q-{question.id}", partial="pages"
    )


@require_POST
@researcher_view
def question_move_page(request: HttpRequest, question_id: int) -> HttpResponse:
    """Move a question to the end of another page."""
    question = selectors.get_question_for_user(question_id=question_id, user=request.user, capability=Capability.EDIT)
    form = forms.MoveToPageForm(request.POST)
    slot = f"question-{question.id}"
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose a page."))
        page = selectors.get_page_for_user(
            page_id=form.cleaned_data["page"], user=request.user, capability=Capability.EDIT
        )
        # Appended at the end of the page it moves to: the position past the last question.
        services.move_question(question=question, page=page, position=page.questions.count())
    except DomainError as error:
        return _refused(request, question.survey, builder.failure_for(slot, error=error), partial="pages")
    return _after_write(
        request, question.survey, message=_("Question moved."), anchor=f"q-{question.id}", partial="pages"
    )


@require_POST
@researcher_view
def question_delete(request: HttpRequest, question_id: int) -> HttpResponse:
    """Delete a question."""
    question = selectors.get_question_for_user(question_id=question_id, user=request.user, capability=Capability.EDIT)
    survey, page_id = question.survey, question.page_id
    try:
        services.delete_question(question=question)
    except DomainError as error:
        return _refused(request, survey, builder.failure_for(f"question-{question_id}", error=error), partial="pages")
    return _after_write(request, survey, message=_("Question deleted."), anchor=f"page-{page_id}", partial="pages")


# --- the builder: options and matrix rows ---------------------------------------------------


@require_POST
@researcher_view
def choice_add(request: HttpRequest, question_id: int) -> HttpResponse:
    """Add an option or a matrix row to a question."""
    question = selectors.get_question_for_user(question_id=question_id, user=request.user, capability=Capability.EDIT)
    kind = request.POST.get("kind", Choice.Kind.OPTION)
    if kind not in Choice.Kind.values:
        kind = Choice.Kind.OPTION
    survey = question.survey
    form = forms.ChoiceForm(
        request.POST,
        question_type=question.type,
        kind=kind,
        languages=survey.languages,
        prefix=f"n{kind[0]}{question.id}",
    )
    slot = f"add-choice-{question.id}-{kind}"
    try:
        if not form.is_valid():
            return _refused(
                request, survey, builder.failure_for(slot, form=form), partial="card", question_id=question.id
            )
        services.create_choice(question=question, kind=kind, **form.changes())
    except DomainError as error:
        failure = builder.failure_for(slot, form=form, error=error, aliases=forms.ChoiceForm.ERROR_ALIASES)
        return _refused(request, survey, failure, partial="card", question_id=question.id)
    message = _("Row added.") if kind == Choice.Kind.ROW else _("Option added.")
    return _after_write(
        request, survey, message=message, anchor=f"q-{question.id}", partial="card", question_id=question.id
    )


@require_POST
@researcher_view
def choice_update(request: HttpRequest, choice_id: int) -> HttpResponse:
    """Save an option's labels, code and flags."""
    choice = selectors.get_choice_for_user(choice_id=choice_id, user=request.user, capability=Capability.EDIT)
    question = choice.question
    survey = question.survey
    form = forms.ChoiceForm(
        request.POST,
        question_type=question.type,
        kind=choice.kind,
        languages=survey.languages,
        choice=choice,
        prefix=f"c{choice.id}",
    )
    slot = f"choice-{choice.id}"
    try:
        if not form.is_valid():
            return _refused(
                request, survey, builder.failure_for(slot, form=form), partial="card", question_id=question.id
            )
        services.update_choice(choice=choice, **form.changes())
    except DomainError as error:
        failure = builder.failure_for(slot, form=form, error=error, aliases=forms.ChoiceForm.ERROR_ALIASES)
        return _refused(request, survey, failure, partial="card", question_id=question.id)
    return _after_write(
        request, survey, message=_("Option saved."), anchor=f"q-{question.id}", partial="card", question_id=question.id
    )


@require_POST
@researcher_view
def choice_move(request: HttpRequest, choice_id: int) -> HttpResponse:
    """Move an option up or down."""
    choice = selectors.get_choice_for_user(choice_id=choice_id, user=request.user, capability=Capability.EDIT)
    question = choice.question
    form = forms.MoveForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose to move up or down."))
        services.update_choice(choice=choice, position=max(0, choice.position + form.offset()))
    except DomainError as error:
        failure = builder.failure_for(f"choice-{choice.id}", error=error)
        return _refused(request, question.survey, failure, partial="card", question_id=question.id)
    return _after_write(
        request,
        question.survey,
        message=_("Option moved."),
        anchor=f"q-{question.id}",
        partial="card",
        question_id=question.id,
    )


@require_POST
@researcher_view
def choice_delete(request: HttpRequest, choice_id: int) -> HttpResponse:
    """Delete an option or a matrix row."""
    choice = selectors.get_choice_for_user(choice_id=choice_id, user=request.user, capability=Capability.EDIT)
    question = choice.question
    try:
        services.delete_choice(choice=choice)
    except DomainError as error:
        failure = builder.failure_for(f"choice-{choice_id}", error=error)
        return _refused(request, question.survey, failure, partial="card", question_id=question.id)
    return _after_write(
        request,
        question.survey,
        message=_("Option deleted."),
        anchor=f"q-{question.id}",
        partial="card",
        question_id=question.id,
    )


# --- the builder: display logic ------------------------------------------------------------


LOGIC_KINDS = ("question", "page")


def _logic_target(request: HttpRequest, kind: str, target_id: int, capability: Capability) -> Page | Question:
    if kind == "question":
        return selectors.get_question_for_user(question_id=target_id, user=request.user, capability=capability)
    if kind == "page":
        return selectors.get_page_for_user(page_id=target_id, user=request.user, capability=capability)
    raise Http404


def _earlier_questions(target: Page | Question) -> list[Question]:
    """Return the questions a target's display logic may test, in survey order."""
    ordered = list(selectors.list_questions(survey=target.survey))
    if isinstance(target, Question):
        keys = [question.key for question in ordered]
        return ordered[: keys.index(target.key)]
    return [question for question in ordered if question.page.position < target.position]


def _save_logic(target: Page | Question, logic: dict | None) -> None:
    if isinstance(target, Question):
        services.update_question(question=target, logic=logic)
    else:
        services.update_page(page=target, logic=logic)


def _logic_response(
    request: HttpRequest, target: Page | Question, *, failure: builder.Failure | None = None, saved: bool = False
) -> HttpResponse:
    survey = target.survey
    if failure is not None:
        survey.refresh_from_db()
    if isinstance(target, Question):
        partial, question_id, anchor = "card", target.id, f"q-{target.id}"
    else:
        partial, question_id, anchor = "pages", None, f"page-{target.id}"
    if failure is not None:
        return _render_builder(request, survey, failure=failure, partial=partial, question_id=question_id)
    return _after_write(
        request, survey, message=_("Display logic saved."), anchor=anchor, partial=partial, question_id=question_id
    )


@require_POST
@researcher_view
def logic_add(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """Add a condition on an earlier question to a question's or a page's display logic."""
    target = _logic_target(request, kind, target_id, Capability.EDIT)
    form = forms.ConditionForm(request.POST, earlier=_earlier_questions(target), prefix=f"l{kind[0]}{target.id}")
    slot = f"{kind}-logic-{target.id}"
    if not form.is_valid():
        return _logic_response(request, target, failure=builder.failure_for(slot, form=form))
    logic = dict(target.logic or {"match": "all", "conditions": []})
    logic["conditions"] = [*logic.get("conditions", []), form.cleaned_data["condition"]]
    try:
        _save_logic(target, logic)
    except DomainError as error:
        return _logic_response(request, target, failure=builder.failure_for(slot, form=form, error=error))
    return _logic_response(request, target)


@require_POST
@researcher_view
def logic_remove(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """Remove one condition from a display logic."""
    target = _logic_target(request, kind, target_id, Capability.EDIT)
    form = forms.RemoveConditionForm(request.POST)
    slot = f"{kind}-logic-{target.id}"
    conditions = list((target.logic or {}).get("conditions", []))
    try:
        if not form.is_valid() or form.cleaned_data["index"] >= len(conditions):
            raise InvalidInput(_("This condition no longer exists; reload the page."))
        del conditions[form.cleaned_data["index"]]
        _save_logic(target, {**target.logic, "conditions": conditions} if conditions else None)
    except DomainError as error:
        return _logic_response(request, target, failure=builder.failure_for(slot, error=error))
    return _logic_response(request, target)


@require_POST
@researcher_view
def logic_match(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """Choose whether all or any of the conditions must hold."""
    target = _logic_target(request, kind, target_id, Capability.EDIT)
    form = forms.LogicMatchForm(request.POST)
    slot = f"{kind}-logic-{target.id}"
    try:
        if not form.is_valid() or not target.logic:
            raise InvalidInput(_("Add a condition first, then choose “all” or “any”."))
        _save_logic(target, {**target.logic, "match": form.cleaned_data["match"]})
    except DomainError as error:
        return _logic_response(request, target, failure=builder.failure_for(slot, error=error))
    return _logic_response(request, target)


@require_GET
@researcher_view
def logic_condition_form(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """Return the add-condition form for the earlier question picked (htmx refreshes it on change)."""
    target = _logic_target(request, kind, target_id, Capability.EDIT)
    prefix = f"l{kind[0]}{target.id}"
    earlier = _earlier_questions(target)
    form = forms.ConditionForm(
        earlier=earlier, prefix=prefix, initial={"question": request.GET.get(f"{prefix}-question", "")}
    )
    editor = builder.LogicEditor(kind=kind, target_id=target.id, conditions=[], match="all", form=form)
    return render(request, "frontend/surveys/_condition_form.html", {"logic": editor})


# --- preview, publishing, versions, XLSForm -------------------------------------------------


@dataclass(frozen=True)
class SurveyHead:
    """What the survey header shows on the pages around the builder."""

    can_edit: bool
    latest_version: Any
    has_unpublished_changes: bool
    can_export: bool = True  # raw responses: members who analyse (viewers would get 403)


def _survey_head(request: HttpRequest, survey: Survey) -> SurveyHead:
    return SurveyHead(
        can_edit=_can(request, survey.workspace, Capability.EDIT),
        latest_version=selectors.get_latest_version(survey=survey),
        has_unpublished_changes=selectors.has_unpublished_changes(survey=survey),
        can_export=_can(request, survey.workspace, Capability.ANALYSE),
    )


@require_GET
@researcher_view
def survey_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Show one page as a respondent would see it, driven by the answers typed so far."""
    survey = selectors.get_survey_for_user(slug=slug, user=request.user)
    spec = selectors.get_survey_spec(survey=survey)
    language = request.GET.get("lang", spec.default_language)
    answers = preview.parse_answers(spec, request.GET)
    page_param = request.GET.get("page", "0")
    index = None if page_param == "end" else (int(page_param) if page_param.isdigit() else 0)
    if index is not None and index >= len(spec.pages):
        index = None
    page = preview.build_page(spec, answers=answers, language=language, index=index)
    context = {
        "survey": survey,
        "head": _survey_head(request, survey),
        "spec": spec,
        "page": page,
        "languages": spec.languages,
    }
    return render(request, "frontend/surveys/preview.html", context)


def _problem_details(problems: Sequence[Problem], survey: Survey) -> list[builder.Detail]:
    ids = {question.key: question.id for question in selectors.list_questions(survey=survey)}
    details = []
    for problem in problems:
        parts = problem.path.split(".")
        anchor = f"q-{ids[parts[1]]}" if parts[0] == "questions" and len(parts) > 1 and parts[1] in ids else ""
        details.append(builder.Detail(problem.message.render(_), anchor))
    return details


def _publish_review(
    request: HttpRequest, survey: Survey, *, refusal: services.LintFindingsUnresolved | None = None
) -> HttpResponse:
    """Render the linter's findings grouped by severity with the confirmation and the override reason."""
    context = {
        "survey": survey,
        "head": _survey_head(request, survey),
        "review": lint_display.survey_lint_view(survey),
        "refusal": refusal,
        "override_reason": request.POST.get("override_reason", ""),
        "confirm_warnings": bool(request.POST.get("confirm_warnings")),
    }
    status = refusal.http_status if refusal is not None else 200
    return render(request, "frontend/lint/publish.html", context, status=status)


@require_http_methods(["GET", "POST"])
@researcher_view
def survey_publish(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the linter's findings before publishing (GET); publish the next version, or list what prevents it."""
    survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
    if request.method == "GET":
        return _publish_review(request, survey)
    try:
        version = services.publish_survey(
            survey=survey,
            published_by=request.user,
            override_reason=request.POST.get("override_reason", ""),
            confirm_warnings=bool(request.POST.get("confirm_warnings")),
        )
    except services.LintFindingsUnresolved as refusal:
        return _publish_review(request, survey, refusal=refusal)
    except services.SurveyNotPublishable as error:
        failure = builder.Failure(
            "publish",
            _("The survey cannot be published yet. Fix these problems first:"),
            error.http_status,
            _problem_details(error.problems, survey),
        )
        return _refused(request, survey, failure, partial="")
    except DomainError as error:
        return _refused(request, survey, builder.failure_for("publish", error=error), partial="")
    messages.success(request, _("Version %(number)s is published and the survey is open.") % {"number": version.number})
    return redirect("frontend:survey-builder", slug=survey.slug)


def _status_change(
    action: Callable[..., Survey], success: Callable[[], str]
) -> Callable[[HttpRequest, str], HttpResponse]:
    @require_POST
    @researcher_view
    def view(request: HttpRequest, slug: str) -> HttpResponse:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        try:
            action(survey=survey)
        except DomainError as error:
            return _refused(request, survey, builder.failure_for("publish", error=error), partial="")
        messages.success(request, success())
        return redirect("frontend:survey-builder", slug=survey.slug)

    return view


survey_close = _status_change(services.close_survey, lambda: _("The survey is closed; it accepts no more answers."))
survey_reopen = _status_change(services.reopen_survey, lambda: _("The survey is open again."))
survey_archive = _status_change(services.archive_survey, lambda: _("The survey is archived."))


@require_GET
@researcher_view
def survey_versions(request: HttpRequest, slug: str) -> HttpResponse:
    """List the published versions."""
    survey = selectors.get_survey_for_user(slug=slug, user=request.user)
    head = _survey_head(request, survey)
    context = {
        "survey": survey,
        "head": head,
        "versions": selectors.list_versions(survey=survey),
        "has_unpublished_changes": head.has_unpublished_changes,
    }
    return render(request, "frontend/surveys/versions.html", context)


CURRENT = "current"


def _spec_for(survey: Survey, which: str) -> Any:
    if which == CURRENT:
        return selectors.get_survey_spec(survey=survey)
    if not which.isdigit():
        raise InvalidInput(_("Choose a version number or the working copy."))
    return selectors.get_version(survey=survey, number=int(which)).spec()


@require_GET
@researcher_view
def survey_diff(request: HttpRequest, slug: str) -> HttpResponse:
    """Show what changed between two versions (or a version and the working copy)."""
    survey = selectors.get_survey_for_user(slug=slug, user=request.user)
    versions = list(selectors.list_versions(survey=survey))
    if not versions:
        raise InvalidInput(_("Nothing to compare yet: publish a first version."))
    latest = versions[0].number
    default_before = str(latest - 1) if len(versions) > 1 else str(latest)
    form = forms.DiffForm(request.GET)
    form.is_valid()
    before = form.cleaned_data.get("before") or default_before
    after = form.cleaned_data.get("after") or (str(latest) if before != str(latest) else CURRENT)
    context = {
        "survey": survey,
        "head": _survey_head(request, survey),
        "versions": versions,
        "before": before,
        "after": after,
        "current": CURRENT,
        "diff": diff_surveys(_spec_for(survey, before), _spec_for(survey, after)),
    }
    return render(request, "frontend/surveys/diff.html", context)


@require_GET
@researcher_view
def survey_export(request: HttpRequest, slug: str) -> HttpResponse:
    """Download the working questionnaire as an XLSForm workbook."""
    survey = selectors.get_survey_for_user(slug=slug, user=request.user)
    content = selectors.render_survey_xlsform(survey=survey)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{survey.slug}-xlsform.xlsx"'
    return response
