"""Write a survey's questionnaire to an XLSForm workbook: ``manage.py export_survey SLUG OUT.xlsx``."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from surveys import selectors
from surveys.errors import NotFound


class Command(BaseCommand):
    help = (
        "Write the working questionnaire of the survey SLUG to OUT as an XLSForm workbook (.xlsx) that "
        "KoBoToolbox and ODK open and import_survey reads back into the same questionnaire."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("slug", help="the survey's slug (as in its address)")
        parser.add_argument("out", help="the .xlsx file to write")

    def handle(self, *args: Any, slug: str, out: str, **options: Any) -> None:
        try:
            survey = selectors.get_survey_by_slug(slug=slug)
        except NotFound as error:
            raise CommandError(str(error.message)) from None
        # Render before opening the file, so a failure leaves no half-written workbook behind.
        content = selectors.render_survey_xlsform(survey=survey)
        try:
            Path(out).write_bytes(content)
        except OSError as error:
            raise CommandError(
                _("Cannot write “{path}”: {reason}").format(path=out, reason=error.strerror or error)
            ) from None
        self.stdout.write(_("Wrote survey {slug} to {path}.").format(slug=survey.slug, path=out))
