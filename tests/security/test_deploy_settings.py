"""Production settings pass Django's deployment checklist, and secrets come only from the environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.test_settings import SETTINGS_VARIABLES

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def run_manage(*arguments: str, **variables: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py's own default: config.settings.base
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    process = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="khaosat.example.vn",
        CSRF_TRUSTED_ORIGINS="https://khaosat.example.vn",
    )

    assert process.returncode == 0, process.stdout + process.stderr
    assert "System check identified no issues" in process.stdout


def test_check_deploy_flags_a_weak_secret_key():
    # The check above is only worth something if it can fail: a short, guessable key must be reported.
    process = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", DEBUG="false", SECRET_KEY="short", ALLOWED_HOSTS="a.example"
    )

    assert process.returncode != 0
    assert "security.W009" in process.stdout + process.stderr


def test_debug_off_without_a_secret_key_refuses_to_start():
    process = run_manage("check", DEBUG="false", ALLOWED_HOSTS="khaosat.example.vn")

    assert process.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in process.stderr


@pytest.mark.django_db
def test_the_health_check_is_not_redirected_to_https_but_pages_are():
    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()  # the security middleware reads its settings when the client's handler loads it
        health = client.get("/healthz")
        page = client.get("/accounts/login/")

    assert settings.SECURE_REDIRECT_EXEMPT == [r"^healthz$"]
    assert health.status_code == 200
    assert page.status_code == 301
    assert page["Location"].startswith("https://")
