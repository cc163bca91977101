"""Test settings: only what makes the suite fast and deterministic."""

from config.settings.base import *  # noqa: F403
from config.settings.base import CELERY_BROKER_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A real broker in CI (CELERY_BROKER_URL set) sends tasks to a worker; otherwise they run eagerly.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
