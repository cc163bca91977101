"""The Vietnamese catalog is complete and correct, and the UI and the API speak it by default.

A new user-facing string fails ``test_catalog_has_every_extracted_msgid`` until it is translated:
see docs/i18n.md for the commands that update locale/vi.
"""

import collections
import os
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from surveys import services
from tests.factories import UserFactory

REPO = Path(settings.BASE_DIR)
LOCALE = Path(settings.LOCALE_PATHS[0])
VI_PO = LOCALE / "vi" / "LC_MESSAGES" / "django.po"
# What makemessages must not read: the same --ignore list as in docs/i18n.md, plus what is not source.
NOT_SOURCE = {".venv", "tests", "bench", "docs", "locale", "staticfiles", "media", "artifacts", "node_modules"}

# %(name)s, %s, %d … (not %%) and {name}, {0}, {} in str.format templates.
PERCENT_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _catalog() -> polib.POFile:
    return polib.pofile(str(VI_PO))


def _percent_placeholders(text: str) -> collections.Counter:
    found = (match.group(0) for match in PERCENT_PLACEHOLDER.finditer(text))
    return collections.Counter(spec for spec in found if spec != "%%")


def _brace_fields(text: str) -> collections.Counter | None:
    """Return the replacement fields of a str.format template, or None when text is not one."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return None
    return collections.Counter(
        f"{{{name}{'!' + conv if conv else ''}}}" for _, name, _, conv in parsed if name is not None
    )


def _translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """Return (source, translation) pairs: the msgstr, or each plural form against msgid_plural."""
    if entry.msgid_plural:
        return [(entry.msgid_plural, text) for _, text in sorted(entry.msgstr_plural.items())]
    return [(entry.msgid, entry.msgstr)]


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Compile locale/*/django.po when its .mo is missing or older, as `make translations` does.

    polib writes to a temporary file that replaces the .mo in one step, so parallel workers never
    read half a catalog.
    """
    for po_path in LOCALE.glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
        polib.pofile(str(po_path)).save_as_mofile(str(partial))
        os.replace(partial, mo_path)
    # Catalogs loaded before the .mo existed stay cached: a LOCALE_PATHS change makes Django drop them.
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        pass


# --- (a) the committed Vietnamese catalog ----------------------------------------------------


def test_vi_catalog_header_is_vietnamese_and_final():
    catalog = _catalog()
    assert catalog.metadata["Language"] == "vi"
    assert catalog.metadata["Plural-Forms"].startswith("nplurals=1;")
    assert not catalog.metadata_is_fuzzy
    assert len(catalog) > 100


def test_every_vi_msgid_is_translated_without_fuzzy_flags():
    catalog = _catalog()
    untranslated = [entry.msgid for entry in catalog if not all(text.strip() for _, text in _translations(entry))]
    fuzzy = [entry.msgid for entry in catalog if "fuzzy" in entry.flags]
    assert untranslated == [], f"{len(untranslated)} msgids without a Vietnamese msgstr: {untranslated}"
    assert fuzzy == [], f"fuzzy entries (review them and drop the flag): {fuzzy}"
    assert catalog.obsolete_entries() == []


def test_vi_translations_keep_the_placeholders_and_tags_of_their_msgid():
    problems = []
    for entry in _catalog():
        for source, text in _translations(entry):
            if "python-format" in entry.flags and _percent_placeholders(source) != _percent_placeholders(text):
                problems.append((entry.msgid, "%-placeholders", sorted(_percent_placeholders(text))))
            source_fields = _brace_fields(source)
            is_brace_template = source_fields is not None and "python-format" not in entry.flags
            if is_brace_template and _brace_fields(text) != source_fields:
                problems.append((entry.msgid, "{}-placeholders", text))
            if sorted(HTML_TAG.findall(source)) != sorted(HTML_TAG.findall(text)):
                problems.append((entry.msgid, "HTML tags", text))
    assert problems == []


def test_placeholder_check_catches_a_dropped_or_renamed_placeholder():
    assert _brace_fields("Question {number} repeats question {earlier}.") != _brace_fields("Câu {number} trùng.")
    assert _brace_fields("Hello {name}") != _brace_fields("Xin chào {ten}")
    assert _brace_fields("“{{{{{key}}}}}” recalls") == _brace_fields("“{{{{{key}}}}}” nhắc lại")
    assert _brace_fields("{unclosed") is None
    assert _percent_placeholders("Move %(code)s up, 100%%") == collections.Counter({"%(code)s": 1})
    assert _percent_placeholders("Page %(position)s of %(total)s") != _percent_placeholders("Trang %(position)s")


# --- (b) nothing extracted from the source is missing from the catalog -----------------------


def _copy_sources(target: Path) -> None:
    """Copy what makemessages reads (apps, config, templates, manage.py) without touching the repo."""
    for item in REPO.iterdir():
        if item.name.startswith(".") or item.name in NOT_SOURCE:
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
        elif item.suffix == ".py":
            shutil.copy2(item, target / item.name)


def _extract_msgids(tmp_path: Path) -> polib.POFile:
    project = tmp_path / "project"
    project.mkdir()
    _copy_sources(project)
    (project / "locale").mkdir()
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing: `make translations` installs it (apt-get install gettext).")
    command = [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-obsolete", "-v", "0"]
    command += [f"--ignore={name}" for name in sorted(NOT_SOURCE)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(project)}
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return polib.pofile(str(project / "locale" / "vi" / "LC_MESSAGES" / "django.po"))


def test_catalog_has_every_extracted_msgid(tmp_path):
    extracted = _extract_msgids(tmp_path)
    committed = {(entry.msgctxt, entry.msgid, entry.msgid_plural or None) for entry in _catalog()}
    missing = [
        f"{entry.msgid!r} ({', '.join(f'{path}:{line}' for path, line in entry.occurrences[:3])})"
        for entry in extracted
        if (entry.msgctxt, entry.msgid, entry.msgid_plural or None) not in committed
    ]
    assert len(extracted) > 100  # the extraction really read the project
    assert missing == [], (
        f"{len(missing)} user-facing strings are not in locale/vi/LC_MESSAGES/django.po; run makemessages "
        "and translate them (docs/i18n.md):\n" + "\n".join(missing)
    )


# --- (c) pages are Vietnamese by default and English once the visitor switches ---------------


@pytest.mark.django_db
def test_login_page_is_vietnamese_by_default_and_english_after_switching():
    client = Client()
    login_url = reverse("frontend:login")

    page = client.get(login_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="vi"' in html
    assert "Đăng nhập" in html
    assert "Tạo tài khoản" in html
    assert "Sign in" not in html

    switched = client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert switched.status_code == 302
    assert switched["Location"] == login_url

    html = client.get(login_url).content.decode()
    assert '<html lang="en"' in html
    assert "Sign in" in html
    assert "Create an account" in html
    assert "Đăng nhập" not in html

    client.post(reverse("set_language"), {"language": "vi", "next": login_url})
    assert "Đăng nhập" in client.get(login_url).content.decode()


@pytest.mark.django_db
def test_form_errors_follow_the_interface_language():
    user = UserFactory(email="lan@example.com")
    wrong = {"username": user.email, "password": "not-the-password"}

    vietnamese = Client().post(reverse("frontend:login"), wrong).content.decode()
    assert "Email hoặc mật khẩu không đúng." in vietnamese

    english_client = Client()
    english_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = english_client.post(reverse("frontend:login"), wrong).content.decode()
    assert "The email or the password is not correct." in english


# --- (d) API errors are Vietnamese by default and English with Accept-Language: en -----------


@pytest.fixture
def owner_with_token():
    owner = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    return owner, client


@pytest.mark.django_db
def test_api_not_found_is_vietnamese_by_default_and_english_on_request(owner_with_token):
    _, client = owner_with_token
    url = reverse("surveys:workspace-detail", kwargs={"slug": "nowhere"})

    vietnamese = client.get(url)
    assert vietnamese.status_code == 404
    assert vietnamese.json()["error"] == {"code": "not_found", "message": "Không tìm thấy.", "fields": {}}

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404
    assert english.json()["error"]["message"] == "Not found."


@pytest.mark.django_db
def test_api_validation_errors_are_vietnamese_by_default_and_english_on_request(owner_with_token):
    _, client = owner_with_token
    url = reverse("surveys:workspace-list")

    vietnamese = client.post(url, {"name": ""}, format="json")
    assert vietnamese.status_code == 400
    assert vietnamese.json()["error"]["message"] == "Yêu cầu có dữ liệu không hợp lệ."

    english = client.post(url, {"name": ""}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    assert english.json()["error"]["message"] == "The request contains invalid data."


@pytest.mark.django_db
def test_api_domain_errors_fill_their_placeholders_in_either_language(owner_with_token):
    owner, client = owner_with_token
    workspace = services.create_workspace(name="Quán phở", owner=owner)
    url = reverse("surveys:member-list", kwargs={"slug": workspace.slug})
    body = {"email": "nobody@example.com", "role": "viewer"}

    vietnamese = client.post(url, body, format="json")
    assert vietnamese.status_code == 400
    assert vietnamese.json()["error"]["message"] == (
        "Không có tài khoản nào dùng địa chỉ “nobody@example.com”; hãy đề nghị họ đăng ký trước."
    )

    english = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == (
        "No account uses the address “nobody@example.com”; ask them to sign up first."
    )
    assert not workspace.memberships.filter(user__email="nobody@example.com").exists()
