"""Celery application: a Redis broker when CELERY_BROKER_URL is set, eager mode otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("sowhat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
