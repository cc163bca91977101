"""Import responses collected elsewhere (KoBoToolbox, ODK, Google Forms, our export) into a survey."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from responses import services
from surveys import selectors as survey_selectors
from surveys.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import the responses in FILE (CSV or XLSX, one column per question key; values as option codes "
        "or labels; multiple choice as space-separated codes) into the survey SLUG, all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The survey's slug.")
        parser.add_argument("file", help="A .csv (UTF-8) or .xlsx file.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: {path}").format(path=path))
        try:
            survey = survey_selectors.get_survey_by_slug(slug=options["slug"])
            with path.open("rb") as file:
                result = services.import_responses(survey=survey, file=file, filename=path.name)
        except services.FileRowsInvalid as error:
            for problem in error.fields.get("file", []):
                self.stderr.write(problem)
            hidden = len(error.row_errors) - len(error.fields.get("file", []))
            if hidden > 0:
                self.stderr.write(_("… and {count} more.").format(count=hidden))
            raise CommandError(str(error.message)) from None
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        self.stdout.write(
            _("Imported {count} responses into “{survey}” (collector “{collector}”).").format(
                count=result.count, survey=survey.display_title(), collector=result.collector.name
            )
        )
