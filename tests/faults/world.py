"""The survey the fault tests load: the insight tests' customer survey, a public link, an API token
for its owner and, when asked, many stored responses (with a planted effect the analysis finds)."""

import io
from dataclasses import dataclass

import requests
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from responses import services as response_services
from responses.models import Collector, Invitation, Response
from surveys import services as survey_services
from surveys.models import Survey
from tests.analysis.insights_world import add_responses, create_insight_survey, synthetic_answers
from tests.factories import UserFactory

BATCH = 5000


@dataclass(frozen=True)
class World:
    survey_slug: str
    collector_slug: str
    token: str

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        session.headers["Accept-Language"] = "en"
        return session


def build_world(*, responses: int = 0, seed: int = 7) -> World:
    owner = UserFactory()
    workspace = survey_services.create_workspace(name="Cửa hàng thử lỗi", owner=owner)
    survey = create_insight_survey(workspace, owner)
    collector = response_services.create_collector(survey=survey, created_by=owner)
    for start in range(0, responses, BATCH):
        add_responses(survey, synthetic_answers(min(BATCH, responses - start), seed=seed + start, planted=True))
    return World(survey.slug, collector.slug, Token.objects.create(user=owner).key)


def answer_pool(count: int, seed: int = 11) -> list[dict]:
    return synthetic_answers(count, seed=seed, planted=True)


def form_fields(answers: dict) -> list[tuple[str, str]]:
    """The respondent form's fields for these answers (``a-<key>``, ``a-<key>.<row>`` for a matrix)."""
    fields = []
    for key, value in answers.items():
        if isinstance(value, dict):
            fields.extend((f"a-{key}.{row}", str(choice)) for row, choice in value.items())
        elif isinstance(value, list):
            fields.extend((f"a-{key}", str(choice)) for choice in value)
        else:
            fields.append((f"a-{key}", str(value)))
    return fields


def invite(survey_slug: str, count: int, base_url: str) -> Collector:
    """A personal-invitation collector with ``count`` contacts, their invitations sent (to the test's outbox)."""
    survey = Survey.objects.get(slug=survey_slug)
    collector = response_services.create_collector(survey=survey, kind=Collector.Kind.INVITATION)
    contacts = "email,name,language\n" + "".join(f"khach{index}@example.vn,,vi\n" for index in range(count))
    response_services.import_contacts(collector=collector, file=io.BytesIO(contacts.encode()))
    ids = list(Invitation.objects.filter(collector=collector).values_list("id", flat=True))
    response_services.send_invitations(collector_id=collector.id, invitation_ids=ids, base_url=base_url)
    return collector


def invitation_check(collector: Collector, answered: set[str]) -> dict[str, int]:
    """Each invitation and its response agree: completed ⇔ one finished response (no half-written state).

    ``answered`` holds the tokens whose form was acknowledged; each must be completed.
    """
    invitations = list(Invitation.objects.filter(collector=collector))
    responses: dict[int, list[Response]] = {}
    for response in Response.objects.filter(invitation__collector=collector):
        responses.setdefault(response.invitation_id, []).append(response)
    finished = (Response.Status.COMPLETE, Response.Status.FLAGGED)
    inconsistent = 0
    for invitation in invitations:
        own = responses.get(invitation.id, [])
        done = len(own) == 1 and own[0].status in finished and bool(own[0].answers) and own[0].submitted_at
        if (invitation.status == Invitation.Status.COMPLETED) != bool(done) or len(own) > 1:
            inconsistent += 1
    completed = {i.token for i in invitations if i.status == Invitation.Status.COMPLETED}
    return {
        "completed": len(completed),
        "lost": len(answered - completed),
        "half_written": inconsistent,
        "duplicated": sum(max(0, len(own) - 1) for own in responses.values()),
    }


def survey_response_ids(survey_slug: str) -> set[int]:
    return set(Response.objects.filter(survey__slug=survey_slug).values_list("id", flat=True))


def workbook_response_ids(content: bytes) -> list[int]:
    """The response ids in an exported workbook's Responses sheet(s), in order."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    ids = []
    for sheet in workbook.worksheets:
        if not sheet.title.startswith("Responses"):
            continue
        rows = sheet.iter_rows(values_only=True)
        assert next(rows)[0] == "Response ID"
        ids.extend(int(row[0]) for row in rows if row and row[0] is not None)
    workbook.close()
    return ids
