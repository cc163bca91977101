"""``manage.py export_xlsx SLUG OUT.xlsx``: a survey's responses and results as a workbook (or CSV, SAV).

The file is written next to OUT under a temporary name and renamed when complete, so a failed
export leaves no half-written file behind. ``--format`` defaults to OUT's extension (xlsx when it
is none of xlsx, csv and sav). A survey that does not exist or was never published, ``--weighted``
without weights, a filter that does not apply and a path that cannot be written are errors (exit 1).
"""

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from analysis import export
from surveys import selectors as survey_selectors
from surveys.errors import DomainError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("“{value}” is not a date (YYYY-MM-DD).").format(value=value)) from None


class Command(BaseCommand):
    help = "Export a survey's responses and results as an Excel workbook, a CSV file or an SPSS .sav file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The survey's slug.")
        parser.add_argument("out", help="The file to write (.xlsx, .csv or .sav).")
        parser.add_argument("--codes", action="store_true", help="Write option codes instead of labels.")
        parser.add_argument("--weighted", action="store_true", help="Add the weights and weight the summaries.")
        parser.add_argument("--completed-only", action="store_true", help="Leave out partial responses.")
        parser.add_argument("--language", choices=("vi", "en"), default="vi", help="Language of labels (vi).")
        parser.add_argument("--format", choices=export.ExportFormat.ALL, help="File format (from OUT's extension).")
        parser.add_argument("--from", dest="date_from", help="First submission date, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", help="Last submission date, YYYY-MM-DD.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        path = Path(options["out"])
        suffix = path.suffix.lower().lstrip(".")
        file_format = options["format"] or (suffix if suffix in export.ExportFormat.ALL else export.ExportFormat.XLSX)
        directory = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise CommandError(_("{path} is a folder: give a file name.").format(path=path))
        if not directory.is_dir() or not os.access(directory, os.W_OK):
            raise CommandError(
                _("Cannot write {path}: the folder does not exist or is not writable.").format(path=path)
            )
        request = export.ExportRequest(
            format=file_format,
            codes=options["codes"],
            language=options["language"],
            weighted=options["weighted"],
            completed_only=options["completed_only"],
            date_from=_date(options["date_from"]) if options["date_from"] else None,
            date_to=_date(options["date_to"]) if options["date_to"] else None,
        )
        try:
            survey = survey_selectors.get_survey_by_slug(slug=options["slug"])
            export.check_request(survey=survey, request=request)
        except DomainError as error:
            details = "; ".join(f"{name}: {' '.join(map(str, texts))}" for name, texts in error.fields.items())
            raise CommandError(f"{error.message}" + (f" ({details})" if details else "")) from None
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".export-", suffix=f".{file_format}")
        try:
            with os.fdopen(handle, "wb") as output:
                result = export.export_survey(survey=survey, request=request, output=output)
            os.replace(temporary, path)
        except OSError as error:
            raise CommandError(_("Cannot write {path}: {error}").format(path=path, error=error.strerror)) from None
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        self.stdout.write(
            _("Exported {count} responses of “{survey}” to {path}.").format(
                count=result.response_count, survey=survey.display_title(), path=path
            )
        )
