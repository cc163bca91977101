"""Settings of the gunicorn and Celery processes the fault tests start: production settings (DEBUG off).

One difference: static files come from the plain storage, because ``make test-faults`` collects
them with DEBUG on (no hashed manifest), and the respondent form links its stylesheet.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
