"""``manage.py purge_exports``: delete the files of expired exports (run it daily, e.g. from cron)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from analysis import export


class Command(BaseCommand):
    help = "Delete the stored files of exports past their expiry date; the export records stay."

    def handle(self, *args: Any, **options: Any) -> None:
        count = export.purge_expired_exports()
        self.stdout.write(_("Deleted {count} expired export files.").format(count=count))
