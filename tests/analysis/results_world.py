"""A published survey with every question type and a few responses, for the results tests."""

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

from responses import services
from responses.models import Collector, Response
from surveys import services as survey_services
from surveys.models import Survey
from tests.factories import UserFactory
from tests.responses.specs import build_spec

BASE_ANSWERS = {
    "gender": "female",
    "age_band": "18-24",
    "channels": ["web"],
    "satisfaction": 4,
    "nps": 9,
    "aspects": {"speed": "good", "price": "ok"},
}


@dataclass
class ResultsWorld:
    owner: object
    survey: Survey
    web: Collector
    shop: Collector

    def submit(
        self, answers: Mapping[str, object], *, collector: Collector | None = None, on: dt.date | None = None
    ) -> Response:
        """Store a finished response (answers merged over BASE_ANSWERS), submitted on ``on``."""
        when = timezone.make_aware(dt.datetime.combine(on or dt.date(2026, 3, 10), dt.time(10, 0)))
        submission = services.submit_response(
            collector=collector or self.web,
            submission_key=uuid.uuid4(),
            answers={**BASE_ANSWERS, **answers},
            now=when,
        )
        return submission.response

    def partial(self, answers: Mapping[str, object], *, collector: Collector | None = None) -> Response:
        collector = collector or self.web
        return Response.objects.create(
            survey=self.survey,
            version=self.survey.versions.order_by("-number").first(),
            collector=collector,
            status=Response.Status.PARTIAL,
            answers=dict(answers),
        )


def build_results_world(*, title: str = "Khảo sát thử") -> ResultsWorld:
    owner = UserFactory()
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=owner)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=owner)
    survey_services.publish_survey(survey=survey, published_by=owner, override_reason="test", confirm_warnings=True)
    survey.refresh_from_db()
    web = services.create_collector(survey=survey, created_by=owner, name="Web")
    shop = services.create_collector(survey=survey, created_by=owner, name="Cửa hàng")
    return ResultsWorld(owner, survey, web, shop)
