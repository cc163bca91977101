"""Print a survey's public link, creating it the first time."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from responses import selectors, services
from responses.models import Collector
from surveys import selectors as survey_selectors
from surveys.errors import DomainError


class Command(BaseCommand):
    help = "Print the public link of the survey SLUG (creating it if it has none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The survey's slug.")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the app is served (default: %(default)s)."
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            survey = survey_selectors.get_survey_by_slug(slug=options["slug"])
            collector = next(
                (c for c in selectors.list_collectors(survey=survey) if c.kind == Collector.Kind.PUBLIC), None
            )
            if collector is None:
                collector = services.create_collector(survey=survey)
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        url = options["base_url"].rstrip("/") + reverse("frontend:respond-public", kwargs={"slug": collector.slug})
        self.stdout.write(_("Public link for respondents: {url}").format(url=url))
