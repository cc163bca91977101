"""Create a draft survey from an XLSForm workbook: ``manage.py import_survey FORM.xlsx``."""

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from surveys import selectors, services
from surveys.core.xlsform import XLSFormProblem
from surveys.demo import DEMO_EMAIL
from surveys.errors import DomainError, NotFound
from surveys.models import Workspace

DEFAULT_WORKSPACE = "Imported"


def describe_problem(problem: XLSFormProblem) -> str:
    """Return a workbook problem as one line: "sheet survey, row 7, column type: …"."""
    text = problem.message.render(_)
    if problem.sheet is None:
        return text
    if problem.row is None and not problem.column:
        return _("sheet {sheet}: {message}").format(sheet=problem.sheet, message=text)
    if problem.row is None:
        return _("sheet {sheet}, column {column}: {message}").format(
            sheet=problem.sheet, column=problem.column, message=text
        )
    if not problem.column:
        return _("sheet {sheet}, row {row}: {message}").format(sheet=problem.sheet, row=problem.row, message=text)
    return _("sheet {sheet}, row {row}, column {column}: {message}").format(
        sheet=problem.sheet, row=problem.row, column=problem.column, message=text
    )


class Command(BaseCommand):
    help = (
        "Create a draft survey from an XLSForm workbook (.xlsx, as KoBoToolbox and ODK make them) and print "
        "its slug. With --workspace NAME the survey goes into that existing workspace. Without it, it goes "
        f"into the first workspace of the demo account ({DEMO_EMAIL}, made by seed_demo) when there is "
        f"one, otherwise into the workspace called “{DEFAULT_WORKSPACE}” of the first superuser (created for "
        "them when missing). A file with problems is refused as a whole: each problem is printed on its own "
        "line and nothing is saved."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="the XLSForm workbook (.xlsx)")
        parser.add_argument("--workspace", help="the name of the workspace to import into")

    def handle(self, *args: Any, file: str, workspace: str | None, **options: Any) -> None:
        try:
            with open(file, "rb") as workbook, transaction.atomic():
                target, created_by = self.target(workspace)
                survey = services.import_survey_xlsform(workspace=target, file=workbook, created_by=created_by)
        except OSError as error:
            raise CommandError(
                _("Cannot read “{path}”: {reason}").format(path=file, reason=error.strerror or error)
            ) from None
        except services.XLSFormInvalid as error:
            for problem in error.problems:
                self.stderr.write(describe_problem(problem))
            raise CommandError(str(error.message)) from None
        except DomainError as error:
            for name, messages in error.fields.items():
                for text in messages:
                    self.stderr.write(f"{name}: {text}")
            raise CommandError(str(error.message)) from None
        self.stdout.write(survey.slug)

    def target(self, name: str | None) -> tuple[Workspace, AbstractBaseUser | None]:
        """Return the workspace to import into and the account recorded as the survey's author."""
        if name:
            # A command-line import has no acting account: the survey records no author.
            return selectors.get_workspace_by_name(name=name), None
        users = get_user_model()._default_manager.filter(is_active=True)
        demo = users.filter(username=DEMO_EMAIL).first()
        if demo is not None:
            return services.get_or_create_default_workspace(user=demo), demo
        owner = users.filter(is_superuser=True).order_by("pk").first()
        if owner is None:
            raise CommandError(
                _(
                    "Give --workspace NAME, run seed_demo, or create a superuser (manage.py createsuperuser) "
                    "to own the “{name}” workspace."
                ).format(name=DEFAULT_WORKSPACE)
            )
        try:
            return selectors.get_workspace_by_name(name=DEFAULT_WORKSPACE, user=owner), owner
        except NotFound:
            return services.create_workspace(name=DEFAULT_WORKSPACE, owner=owner), owner
