"""``manage.py requeue_jobs``: send the background jobs queued while the broker was away.

Workers do this by themselves whenever they (re)connect to Redis and every
``JOBS_REQUEUE_INTERVAL`` seconds (``analysis/jobs.py``); the command is for an operator who does
not want to wait, and, with ``--all``, for a Redis that lost its data (restarted without
persistence): it sends every queued job again (a job sent twice still runs once).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from analysis import jobs


class Command(BaseCommand):
    help = "Send to the broker the background jobs (exports, analysis runs) queued while it was away."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Send every queued job again, not only those that never reached the broker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from config.celery import app

        if app.conf.task_always_eager:
            raise CommandError(_("No broker is configured (CELERY_BROKER_URL): tasks run in-process."))
        result = jobs.requeue_unsent(all_queued=options["all"])
        self.stdout.write(_("Sent {count} queued background jobs to the broker.").format(count=result.sent))
        if result.broker_unreachable:
            raise CommandError(_("The broker cannot be reached; the other jobs stay queued."))
