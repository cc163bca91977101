"""The respondent's form (public links, personal invitations, resume links) and the "Collect" panel.

Respondent pages are plain HTML forms: every page works without JavaScript, which only mirrors
display logic in the browser and smooths double clicks. Each page render carries a fresh
submission key, so a double submit, a network retry or the back button repeats the same
submission and never makes a second response. The first page also carries a signed start
token (the resume token drawn for this respondent and the time the form was first shown), so
a double click on the first page starts one response, not two.
"""

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from frontend.forms import FieldTemplateMixin
from frontend.views import researcher_view
from responses import selectors, services
from responses.core import answers as answer_rules
from responses.core import navigation
from responses.core.availability import Unavailable
from responses.models import Collector, Invitation, Response
from surveys import selectors as survey_selectors
from surveys.core import piping, randomization
from surveys.core.messages import Message
from surveys.core.questionnaire import ChoiceSpec, PageSpec, QuestionSpec, QuestionType, SurveySpec
from surveys.core.roles import Capability, has_capability
from surveys.errors import DomainError, NotFound
from surveys.models import Survey

BROWSER_COOKIE = "sowhat_browser"
BROWSER_COOKIE_AGE = 365 * 24 * 3600
START_SALT = "responses.start"
START_MAX_AGE = 7 * 24 * 3600  # a first page left open for a week must be reloaded
ANSWER_PREFIX = "a-"
# What django.utils.html.json_script escapes, for JSON written inside a <script> element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
HONEYPOT_FIELD = "website"
TEMPLATE_DIR = "frontend/respond"


# --- plumbing -----------------------------------------------------------------------------


def _client(request: HttpRequest) -> services.Client:
    return services.Client(
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        browser_id=_browser_id(request),
    )


def _browser_id(request: HttpRequest) -> str:
    if not hasattr(request, "_sowhat_browser"):
        cookie = request.COOKIES.get(BROWSER_COOKIE, "")
        request._sowhat_browser = cookie if 16 <= len(cookie) <= 64 and cookie.isascii() else secrets.token_urlsafe(16)
    return request._sowhat_browser


def _with_browser_cookie(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if request.COOKIES.get(BROWSER_COOKIE) != _browser_id(request):
        response.set_cookie(
            BROWSER_COOKIE,
            _browser_id(request),
            max_age=BROWSER_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _plain(request: HttpRequest, kind: str, *, language: str, status: int = 200, **context: Any) -> HttpResponse:
    """Render one of the plain respondent pages (closed, full, thank you, …) in ``language``."""
    with translation.override(language):
        response = render(
            request, f"{TEMPLATE_DIR}/message.html", {"kind": kind, "lang": language, **context}, status=status
        )
    return response


UNAVAILABLE_KIND = {
    Unavailable.INACTIVE: "closed",
    Unavailable.SURVEY_NOT_OPEN: "closed",
    Unavailable.CLOSED: "closed",
    Unavailable.NOT_YET_OPEN: "not_yet_open",
    Unavailable.FULL: "full",
}


def respondent_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse oversized posts, never cache, and render refusals as plain respondent pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if request.method == "POST" and length > settings.RESPONSES_MAX_REQUEST_BYTES:
            # Checked before the body is read: an oversized post is never parsed or buffered.
            language = request.GET.get("lang") if request.GET.get("lang") in ("vi", "en") else settings.LANGUAGE_CODE
            return _plain(request, "too_large", language=language, status=413)
        try:
            return _with_browser_cookie(request, view(request, *args, **kwargs))
        except services.CollectorUnavailable as error:
            language = _request_language(request, None)
            return _plain(request, UNAVAILABLE_KIND[error.reason], language=language, status=200, error=error)
        except NotFound:
            return _plain(request, "invalid", language=_request_language(request, None), status=404)

    return never_cache(wrapper)


def _request_language(request: HttpRequest, spec: SurveySpec | None, response: Response | None = None) -> str:
    """The survey language asked for (?lang= or the form), else the response's, else the survey's."""
    languages = spec.languages if spec is not None else ("vi", "en")
    asked = request.POST.get("lang") if request.method == "POST" else request.GET.get("lang")
    if asked in languages:
        return asked
    if response is not None and response.language in languages:
        return response.language
    if spec is not None:
        return spec.default_language
    return settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in languages else languages[0]


# --- the page a respondent sees -------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool = False
    is_exclusive: bool = False
    is_other: bool = False


@dataclass(frozen=True)
class Row:
    value: str
    label: str
    selected: str = ""


@dataclass(frozen=True)
class FormQuestion:
    key: str
    type: str
    number: int
    text: str
    help_text: str
    required: bool
    field_name: str
    is_visible: bool
    options: tuple[Option, ...] = ()
    rows: tuple[Row, ...] = ()
    value: str = ""
    other_value: str = ""
    min_value: float | None = None
    max_value: float | None = None
    allow_not_applicable: bool = False
    not_applicable_selected: bool = False
    errors: tuple[str, ...] = ()
    logic_json: str = ""

    @property
    def error_id(self) -> str:
        return f"err-{self.key}"

    @property
    def first_input_id(self) -> str:
        if self.type in ("short_text", "long_text", "number", "date"):
            return f"{self.field_name}"
        if self.type == "matrix" and self.rows:
            return f"{self.field_name}.{self.rows[0].value}-0"
        if self.type == "ranking" and self.rows:
            return f"{self.field_name}-{self.rows[0].value}"
        return f"{self.field_name}-0"


@dataclass(frozen=True)
class FormPage:
    survey_title: str
    description: str
    language: str
    languages: tuple[str, ...]
    page_key: str
    title: str
    questions: tuple[FormQuestion, ...]
    position: int
    total: int
    percent: int
    is_first: bool
    is_last: bool
    form_key: str
    action: str
    start_token: str = ""
    resume_url: str = ""
    notice: str = ""
    known_answers_json: str = "{}"
    errors: tuple[tuple[str, str, str], ...] = field(default=())  # (question text, message, anchor)

    @property
    def shown_keys(self) -> str:
        return " ".join(question.key for question in self.questions if question.is_visible)


def _field_name(key: str) -> str:
    return f"{ANSWER_PREFIX}{key}"


def _as_strings(value: object) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, (list, tuple)):
        return {_code(item) for item in value}
    return {_code(value)}


def _code(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _options(choices: Sequence[ChoiceSpec], language: str, fallback: str, selected: set[str]) -> tuple[Option, ...]:
    return tuple(
        Option(
            value=choice.value,
            label=choice.label.get(language, fallback) or choice.value,
            selected=choice.value in selected,
            is_exclusive=choice.is_exclusive,
            is_other=choice.is_other,
        )
        for choice in choices
    )


def _form_question(
    shown: navigation.ShownQuestion,
    *,
    spec: SurveySpec,
    values: Mapping[str, object],
    stored: Mapping[str, object],
    language: str,
    seed: str,
    errors: Sequence[str],
) -> FormQuestion:
    """Build one question for the template from the values to show (stored or just posted)."""
    question = shown.question
    fallback = spec.default_language
    value = values.get(question.key)
    selected = _as_strings(value)
    options: tuple[Option, ...] = ()
    rows: tuple[Row, ...] = ()
    text_value = ""
    kind = question.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.RATING):
        options = _options(randomization.order_choices(question, seed=seed), language, fallback, selected)
    elif kind == QuestionType.NPS:
        options = _options(tuple(ChoiceSpec(str(point)) for point in range(11)), language, fallback, selected)
    elif kind == QuestionType.MATRIX:
        cells = value if isinstance(value, Mapping) else {}
        options = _options(question.choices, language, fallback, set())
        rows = tuple(
            Row(row.value, row.label.get(language, fallback) or row.value, _code(cells.get(row.value, "")))
            for row in question.rows
        )
    elif kind == QuestionType.RANKING:
        if isinstance(value, Mapping):  # ranks as posted
            ranks = {code: str(rank) for code, rank in value.items()}
        elif isinstance(value, (list, tuple)):
            ranks = {code: str(rank) for rank, code in enumerate(value, start=1)}
        else:
            ranks = {}
        rows = tuple(
            Row(choice.value, choice.label.get(language, fallback) or choice.value, ranks.get(choice.value, ""))
            for choice in randomization.order_choices(question, seed=seed)
        )
    elif value is not None:
        text_value = _code(value)

    def pipe(text: str) -> str:
        return piping.render_piped_text(text, spec=spec, answers=stored, language=language)

    return FormQuestion(
        key=question.key,
        type=kind.value,
        number=shown.number,
        text=pipe(question.text.get(language, fallback)),
        help_text=pipe(question.help_text.get(language, fallback)),
        required=question.required,
        field_name=_field_name(question.key),
        is_visible=shown.is_visible,
        options=options,
        rows=rows,
        value=text_value,
        other_value=str(values.get(answer_rules.other_key(question.key)) or ""),
        min_value=question.min_value,
        max_value=question.max_value,
        allow_not_applicable=question.allow_not_applicable,
        not_applicable_selected=answer_rules.NOT_APPLICABLE in selected,
        errors=tuple(errors),
        logic_json=json.dumps(question.logic.to_dict()) if _tests_page(question, spec) else "",
    )


def _tests_page(question: QuestionSpec, spec: SurveySpec) -> bool:
    """Whether the question's display logic tests another question of its own page."""
    page = next(page for page in spec.pages if any(q.key == question.key for q in page.questions))
    on_page = {q.key for q in page.questions}
    return question.logic is not None and any(key in on_page for key in question.logic.referenced_keys())


def _page_index(spec: SurveySpec, key: str) -> int | None:
    return next((index for index, page in enumerate(spec.pages) if page.key == key), None)


def _build_page(
    request: HttpRequest,
    *,
    spec: SurveySpec,
    index: int,
    stored: Mapping[str, object],
    language: str,
    seed: str,
    action: str,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    start_token: str = "",
    resume_url: str = "",
    notice: str = "",
) -> FormPage:
    page = spec.pages[index]
    errors = errors or {}
    # Answers on this page as typed (a refused post) or as stored; the rest as stored.
    shown_answers = dict(stored) if values is None else {**stored, **values}
    shown = navigation.page_questions(spec, index, shown_answers, seed=seed)
    route = navigation.route(spec, shown_answers)
    questions = tuple(
        _form_question(
            item,
            spec=spec,
            values=shown_answers,
            stored=stored,
            language=language,
            seed=seed,
            errors=errors.get(item.question.key, ()),
        )
        for item in shown
    )
    position = route.position(index)
    total = max(len(route.pages), position)
    error_list = tuple(
        (question.text, message, f"#{question.first_input_id}") for question in questions for message in question.errors
    )
    return FormPage(
        survey_title=spec.title.get(language, spec.default_language),
        description=spec.description.get(language, spec.default_language) if route.first() == index else "",
        language=language,
        languages=spec.languages,
        page_key=page.key,
        title=page.title.get(language, spec.default_language),
        questions=questions,
        position=position,
        total=total,
        percent=round(100 * (position - 1) / total) if total else 0,
        is_first=route.previous_before(index) is None,
        is_last=route.is_last(index),
        form_key=str(uuid.uuid4()),
        action=action,
        start_token=start_token,
        resume_url=resume_url,
        notice=notice,
        # Escaped like json_script: an answer holding "</script>" must not end the <script> element.
        known_answers_json=json.dumps(navigation.referenced_answers(spec, page, stored)).translate(JSON_SCRIPT_ESCAPES),
        errors=error_list,
    )


def _render_page(request: HttpRequest, page: FormPage, *, status: int = 200) -> HttpResponse:
    with translation.override(page.language):
        return render(request, f"{TEMPLATE_DIR}/page.html", {"page": page, "lang": page.language}, status=status)


# --- reading a posted page ----------------------------------------------------------------


def _parse_page(page: PageSpec, data: QueryDict) -> tuple[dict[str, object], dict[str, object], dict[str, Message]]:
    """Return (answers for the service, values to show again, errors found while parsing)."""
    raw: dict[str, object] = {}
    display: dict[str, object] = {}
    problems: dict[str, Message] = {}
    for question in page.questions:
        name = _field_name(question.key)
        kind = question.type
        if kind == QuestionType.MULTIPLE_CHOICE:
            value: object = [item for item in data.getlist(name) if item]
        elif kind == QuestionType.MATRIX:
            value = {row.value: data.get(f"{name}.{row.value}", "") for row in question.rows}
            value = {row: cell for row, cell in value.items() if cell}
        elif kind == QuestionType.RANKING:
            ranks = {choice.value: data.get(f"{name}.{choice.value}", "") for choice in question.choices}
            display[question.key] = ranks
            try:
                raw[question.key] = answer_rules.ranking_from_ranks(question, ranks)
            except ValueError as error:
                problems[question.key] = error.args[0]
            continue
        else:
            value = data.get(name, "")
        raw[question.key] = value
        display[question.key] = value
        other = data.get(f"{name}.other")
        if other is not None:
            raw[answer_rules.other_key(question.key)] = other
            display[answer_rules.other_key(question.key)] = other
    return raw, display, problems


def _render_messages(messages_: Mapping[str, Sequence[Message]], language: str) -> dict[str, list[str]]:
    with translation.override(language):
        return {key: [message.render(_) for message in items] for key, items in messages_.items()}


# --- the respondent flow --------------------------------------------------------------------


def _start_token(collector: Collector) -> tuple[str, str]:
    """Return a signed start token and the resume token it carries (also the shuffling seed)."""
    resume_token = secrets.token_urlsafe(32)
    signed = signing.dumps(
        {"c": collector.id, "t": resume_token, "s": int(timezone.now().timestamp())}, salt=START_SALT
    )
    return signed, resume_token


def _read_start_token(collector: Collector, value: str) -> tuple[str, dt.datetime] | None:
    try:
        data = signing.loads(value, salt=START_SALT, max_age=START_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") != collector.id:
        return None
    return str(data["t"]), dt.datetime.fromtimestamp(int(data["s"]), tz=dt.UTC)


def _resume_url(request: HttpRequest, response: Response) -> str:
    return request.build_absolute_uri(reverse("frontend:respond-resume", kwargs={"token": response.resume_token}))


def _go(response: Response, page_key: str | None = None, language: str = "") -> HttpResponse:
    url = reverse("frontend:respond-resume", kwargs={"token": response.resume_token})
    query = "&".join(
        part for part in (f"page={page_key}" if page_key else "", f"lang={language}" if language else "") if part
    )
    return redirect(f"{url}?{query}" if query else url)


def _finished_page(request: HttpRequest, response: Response, language: str, *, note: str = "") -> HttpResponse:
    kind = "screened_out" if response.status == Response.Status.SCREENED_OUT else "thanks"
    return _plain(request, kind, language=language, note=note)


def _first_page(
    request: HttpRequest, collector: Collector, *, action: str, invitation: Invitation | None = None
) -> HttpResponse:
    """Show the first page to a respondent who has not started (no response is stored yet)."""
    services.check_collector_accepts(collector=collector)
    _version_id, spec = services.current_spec(collector=collector)
    language = _request_language(request, spec)
    if invitation is not None and request.method == "GET" and not request.GET.get("lang"):
        language = invitation.language if invitation.language in spec.languages else language
    token, seed = _start_token(collector)
    index = navigation.route(spec, {}).first()
    if index is None:
        raise services.CollectorUnavailable(Unavailable.SURVEY_NOT_OPEN)
    # Shuffled with the future response's seed, so the order never changes once it is stored.
    page = _build_page(
        request, spec=spec, index=index, stored={}, language=language, seed=seed, action=action, start_token=token
    )
    return _render_page(request, page)


def _existing_for_browser(request: HttpRequest, collector: Collector) -> Response | None:
    response = selectors.get_response_of_browser(collector=collector, browser_id=_browser_id(request))
    if response is None:
        return None
    if response.status == Response.Status.PARTIAL or not collector.allow_multiple_per_browser:
        return response
    return None


@require_http_methods(["GET", "POST"])
@respondent_view
def respond_public(request: HttpRequest, slug: str) -> HttpResponse:
    """A public link: the first page, or the respondent's own response when this browser has one."""
    collector = selectors.get_collector_by_slug(slug=slug)
    if collector.kind != Collector.Kind.PUBLIC:
        raise NotFound()
    action = reverse("frontend:respond-public", kwargs={"slug": slug})
    if request.method == "GET":
        existing = _existing_for_browser(request, collector)
        if existing is not None:
            return _go(existing, language=request.GET.get("lang", ""))
        return _first_page(request, collector, action=action)
    return _start_and_post(request, collector, action=action)


@require_http_methods(["GET", "POST"])
@respondent_view
def respond_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A personal invitation link: it opens (and later resumes) this contact's one response."""
    invitation = selectors.get_invitation_by_token(token=token)
    collector = invitation.collector
    existing = selectors.get_response_of_invitation(invitation=invitation)
    if existing is not None:
        if request.method == "POST":
            return _post_page(request, existing)
        return _go(existing, language=request.GET.get("lang", ""))
    if request.method == "GET":
        services.mark_invitation_opened(invitation=invitation)
        action = reverse("frontend:respond-invitation", kwargs={"token": token})
        return _first_page(request, collector, action=action, invitation=invitation)
    action = reverse("frontend:respond-invitation", kwargs={"token": token})
    return _start_and_post(request, collector, action=action, invitation=invitation)


def _start_and_post(
    request: HttpRequest, collector: Collector, *, action: str, invitation: Invitation | None = None
) -> HttpResponse:
    started = _read_start_token(collector, request.POST.get("start", ""))
    if started is None:
        return _plain(request, "expired", language=_request_language(request, None), status=400, retry_url=action)
    resume_token, started_at = started
    response = services.start_response(
        collector=collector,
        client=_client(request),
        language=request.POST.get("lang", ""),
        resume_token=resume_token,
        started_at=started_at,
        invitation=invitation,
    )
    return _post_page(request, response)


@require_http_methods(["GET", "POST"])
@respondent_view
def respond_resume(request: HttpRequest, token: str) -> HttpResponse:
    """A resume link: the respondent's own response, at the page they reached (or ?page=)."""
    response = selectors.get_response_by_resume_token(token=token)
    if request.method == "POST":
        return _post_page(request, response)
    spec = selectors.version_spec(response.version)
    language = _request_language(request, spec, response)
    if response.is_finished:
        return _finished_page(request, response, language)
    services.check_response_can_continue(response=response)
    route = navigation.route(spec, response.answers)
    index = _page_index(spec, request.GET.get("page", "") or response.current_page)
    if index is None or index not in route.pages:
        index = route.next_after(index) if index is not None else None
        index = index if index is not None else route.first()
    page = _build_page(
        request,
        spec=spec,
        index=index,
        stored=response.answers,
        language=language,
        seed=response.resume_token,
        action=reverse("frontend:respond-resume", kwargs={"token": token}),
        resume_url=_resume_url(request, response),
    )
    return _render_page(request, page)


def _post_page(request: HttpRequest, response: Response) -> HttpResponse:
    """Save the posted page and move on: next page, previous page, save for later, or submit."""
    spec = selectors.version_spec(response.version)
    language = _request_language(request, spec, response)
    index = _page_index(spec, request.POST.get("page", ""))
    try:
        submission_key = uuid.UUID(request.POST.get("form_key", ""))
    except ValueError:
        submission_key = None
    if index is None or submission_key is None:
        return _plain(request, "expired", language=language, status=400, retry_url=_go(response).url)
    page = spec.pages[index]
    raw, display, parse_problems = _parse_page(page, request.POST)
    move = request.POST.get("move", "next")
    honeypot_filled = bool(request.POST.get(HONEYPOT_FIELD, "").strip())
    action_url = reverse("frontend:respond-resume", kwargs={"token": response.resume_token})

    def again(errors: Mapping[str, list[str]], *, status: int = 400, notice: str = "", at: int = index) -> HttpResponse:
        response.refresh_from_db()
        form = _build_page(
            request,
            spec=spec,
            index=at,
            stored=response.answers,
            language=language,
            seed=response.resume_token,
            action=action_url,
            values=display if at == index else None,
            errors=errors,
            resume_url=_resume_url(request, response),
            notice=notice,
        )
        return _render_page(request, form, status=status)

    if response.is_finished:
        # A retry of the last page (double click, back button): same key and answers → stored response.
        try:
            services.submit_page(
                response=response, page_key=page.key, raw=raw, submission_key=submission_key, language=language
            )
        except services.SubmissionConflict:
            return _plain(request, "conflict", language=language, status=409, resume_url=_resume_url(request, response))
        except services.AlreadyResponded:
            return _finished_page(request, response, language, note="already")
        return _go(response, language=language)

    parse_errors = _render_messages({key: [problem] for key, problem in parse_problems.items()}, language)
    if move not in ("next", "back", "stay"):
        move = "next"
    result = services.save_page(
        response=response,
        page_key=page.key,
        raw=raw,
        language=language,
        move=move,
    )
    if result.screened_out:
        return _go(result.response, language=language)
    response = result.response
    # Without JavaScript, a question this page's answers just revealed was never seen: show it
    # (its errors would blame the respondent for a question they could not answer).
    was_shown = set(request.POST.get("shown", "").split())
    visible_now = navigation.route(spec, response.answers).visible_questions
    revealed = {q.key for q in page.questions if q.key in visible_now and q.key not in was_shown}
    errors = {**_render_messages(result.errors, language), **parse_errors}
    if move == "next":
        errors = {key: messages_ for key, messages_ in errors.items() if key not in revealed}
    if errors:
        return again(errors)
    if move == "back":
        return _go(response, result.previous_page or page.key, language)
    if move == "stay":
        with translation.override(language):
            return render(
                request,
                f"{TEMPLATE_DIR}/message.html",
                {"kind": "saved", "lang": language, "resume_url": _resume_url(request, response)},
            )
    if revealed and not any(key in response.answers for key in revealed):
        with translation.override(language):
            notice = _("Your answers brought up more questions on this page. Please answer them too.")
        return again({}, status=200, notice=notice)
    if result.next_page is not None:
        return _go(response, result.next_page, language)
    try:
        result = services.submit_page(
            response=response,
            page_key=page.key,
            raw=raw,
            submission_key=submission_key,
            language=language,
            honeypot_filled=honeypot_filled,
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
    except services.SubmissionConflict:
        return _plain(request, "conflict", language=language, status=409, resume_url=_resume_url(request, response))
    except services.AlreadyResponded:
        return _finished_page(request, response, language, note="already")
    if result.first_invalid_page is not None:
        errors = _render_messages(result.errors, language)
        return again(errors, at=result.first_invalid_page)
    if result.errors:
        return again(_render_messages(result.errors, language))
    return _go(result.response, language=language)


# --- researchers: the "Collect" panel ---------------------------------------------------------


class CollectorForm(FieldTemplateMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)
    opens_at = forms.DateTimeField(
        label=gettext_lazy("Opens at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Leave empty to accept answers as soon as the survey is published."),
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Closes at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    max_responses = forms.IntegerField(label=gettext_lazy("Maximum responses"), required=False, min_value=1)
    allow_multiple_per_browser = forms.BooleanField(
        label=gettext_lazy("Allow several responses from the same browser"), required=False
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Anonymous: store no IP address or browser description"), required=False
    )
    is_active = forms.BooleanField(label=gettext_lazy("Link is active"), required=False, initial=True)

    @classmethod
    def for_collector(cls, collector: Collector) -> "CollectorForm":
        initial = {name: getattr(collector, name) for name in services.COLLECTOR_SETTINGS}
        for name in ("opens_at", "closes_at"):
            if initial[name] is not None:
                initial[name] = timezone.localtime(initial[name])
        return cls(initial=initial, prefix=f"c{collector.id}")


class QuotaForm(FieldTemplateMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    question_key = forms.ChoiceField(label=gettext_lazy("Question"))
    values = forms.CharField(
        label=gettext_lazy("Option codes"),
        help_text=gettext_lazy("Codes of the options this quota counts, separated by spaces."),
    )
    limit = forms.IntegerField(label=gettext_lazy("At most"), min_value=0)

    def __init__(self, *args: Any, questions: Sequence[QuestionSpec] = (), language: str = "vi", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["question_key"].choices = [
            (q.key, f"{q.key} — {q.text.get(language)[:60]}") for q in questions if q.type == QuestionType.SINGLE_CHOICE
        ]


@dataclass(frozen=True)
class CollectPanel:
    survey: Survey
    can_edit: bool
    collectors: list[tuple[Collector, str, CollectorForm]]
    quotas: list[tuple[Any, int]]
    quota_form: QuotaForm | None
    single_choice_questions: list[tuple[str, str, list[tuple[str, str]]]]


def collect_panel(request: HttpRequest, survey: Survey) -> CollectPanel:
    """Return what the builder's "Collect" section shows (collectors, their URLs, quotas)."""
    role = survey_selectors.get_role(workspace=survey.workspace, user=request.user)
    can_edit = role is not None and has_capability(role, Capability.EDIT)
    spec = selectors.get_quota_spec(survey=survey)
    questions = [q for q in spec.questions() if q.type == QuestionType.SINGLE_CHOICE]
    language = translation.get_language() or "vi"
    collectors = [
        (
            collector,
            request.build_absolute_uri(reverse("frontend:respond-public", kwargs={"slug": collector.slug})),
            CollectorForm.for_collector(collector),
        )
        for collector in selectors.list_collectors(survey=survey)
        if collector.kind == Collector.Kind.PUBLIC
    ]
    return CollectPanel(
        survey=survey,
        can_edit=can_edit,
        collectors=collectors,
        quotas=[(quota, selectors.count_in_quota(quota=quota)) for quota in selectors.list_quotas(survey=survey)],
        quota_form=QuotaForm(questions=questions, language=language, prefix="quota")
        if can_edit and questions
        else None,
        single_choice_questions=[
            (q.key, q.text.get(language), [(c.value, c.label.get(language) or c.value) for c in q.choices])
            for q in questions
        ],
    )


def _back_to_collect(survey: Survey) -> HttpResponse:
    return redirect(reverse("frontend:survey-builder", kwargs={"slug": survey.slug}) + "#collect")


def _refuse_form(request: HttpRequest, survey: Survey, text: str) -> HttpResponse:
    messages.error(request, text)
    return _back_to_collect(survey)


@require_POST
@researcher_view
def collector_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Create the survey's public link."""
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
    try:
        services.create_collector(survey=survey, created_by=request.user)
    except DomainError as error:
        return _refuse_form(request, survey, str(error.message))
    messages.success(request, _("The public link is ready. Share it once the survey is published."))
    return _back_to_collect(survey)


@require_POST
@researcher_view
def collector_update(request: HttpRequest, collector_id: int) -> HttpResponse:
    """Change a collector's dates, limit and options."""
    collector = selectors.get_collector_for_user(
        collector_id=collector_id, user=request.user, capability=Capability.EDIT
    )
    form = CollectorForm(request.POST, prefix=f"c{collector.id}")
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _refuse_form(
            request, collector.survey, _("The link settings were not saved: {error}").format(error=first)
        )
    try:
        services.update_collector(collector=collector, **form.cleaned_data)
    except DomainError as error:
        return _refuse_form(
            request, collector.survey, _("The link settings were not saved: {error}").format(error=error.message)
        )
    messages.success(request, _("Link settings saved."))
    return _back_to_collect(collector.survey)


@require_POST
@researcher_view
def quota_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a quota on a single choice question."""
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
    spec = selectors.get_quota_spec(survey=survey)
    form = QuotaForm(request.POST, questions=list(spec.questions()), prefix="quota")
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _refuse_form(request, survey, _("The quota was not added: {error}").format(error=first))
    data = form.cleaned_data
    try:
        services.create_quota(
            survey=survey,
            name=data["name"],
            question_key=data["question_key"],
            values=data["values"].replace(",", " ").split(),
            limit=data["limit"],
        )
    except DomainError as error:
        return _refuse_form(request, survey, _("The quota was not added: {error}").format(error=error.message))
    messages.success(request, _("Quota added."))
    return _back_to_collect(survey)


@require_POST
@researcher_view
def quota_delete(request: HttpRequest, quota_id: int) -> HttpResponse:
    quota = selectors.get_quota_for_user(quota_id=quota_id, user=request.user, capability=Capability.EDIT)
    survey = quota.survey
    services.delete_quota(quota=quota)
    messages.success(request, _("Quota removed."))
    return _back_to_collect(survey)
