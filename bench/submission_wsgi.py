"""The WSGI application of bench/bench_submission.py, warmed before gunicorn forks its workers.

gunicorn runs with ``--preload``: this module is imported once, in the master. Django imports the
URLconf (and with it every app's views, numpy, pandas …) and loads the translation catalogs on the
first request, which then takes seconds; under load a worker can spend its whole timeout there,
be killed and leave the next one to start again. Warmed here, the forked workers share the
imported modules and the first request costs what every other does. No database connection is
opened before the fork.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver
from django.utils import translation

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.submission_settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 — imports the URLconf and every view module
for language in ("vi", "en"):
    with translation.override(language):
        translation.gettext("Vietnamese")
