"""Settings are read from the environment once, at import: each case imports them in a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "DJANGO_DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "REDIS_CACHE_URL",
    "EMAIL_BACKEND",
)
PRINT_SETTINGS = """
import json
from config.settings import base as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "name": str(s.DATABASES["default"]["NAME"]),
    "host": s.DATABASES["default"].get("HOST", ""),
    "port": s.DATABASES["default"].get("PORT", ""),
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "broker": s.CELERY_BROKER_URL,
    "debug": s.DEBUG,
    "allowed_hosts": s.ALLOWED_HOSTS,
    "csrf_trusted_origins": s.CSRF_TRUSTED_ORIGINS,
    "session_cookie_secure": s.SESSION_COOKIE_SECURE,
    "cache": s.CACHES["default"]["BACKEND"],
    "email_backend": s.EMAIL_BACKEND,
}))
"""


def import_settings(**variables: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def read_settings(**variables: str) -> dict:
    process = import_settings(**variables)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_without_variables_the_embedded_defaults_apply():
    values = read_settings()
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(BASE_DIR / "db.sqlite3")
    assert values["eager"] is True
    assert values["debug"] is True
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["email_backend"] == "django.core.mail.backends.console.EmailBackend"


def test_database_url_selects_postgresql_and_its_address():
    values = read_settings(DATABASE_URL="postgres://sowhat:secret@db.internal:6543/sowhat")
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"], values["port"]) == ("sowhat", "db.internal", 6543)


def test_a_broker_url_turns_eager_mode_off():
    values = read_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6379/0"


def test_debug_off_without_a_secret_key_refuses_to_start():
    process = import_settings(DEBUG="false")
    assert process.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in process.stderr


def test_production_variables_harden_the_deployment():
    values = read_settings(
        DEBUG="false",
        SECRET_KEY="a-long-random-production-secret",
        ALLOWED_HOSTS="khaosat.example.vn, www.khaosat.example.vn",
        CSRF_TRUSTED_ORIGINS="https://khaosat.example.vn",
        REDIS_CACHE_URL="redis://cache.internal:6379/1",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    assert values["debug"] is False
    assert values["allowed_hosts"] == ["khaosat.example.vn", "www.khaosat.example.vn"]
    assert values["csrf_trusted_origins"] == ["https://khaosat.example.vn"]
    assert values["session_cookie_secure"] is True
    assert values["cache"] == "config.cache.ResilientRedisCache"  # Django's RedisCache, surviving Redis down
    assert values["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
