"""Turn a contact list (a CSV or XLSX table) into invitations to create, or row-by-row errors.

Columns: ``email`` (required), ``name`` and ``language`` (optional; Vietnamese and English
names of the columns are recognised too); every other column is kept, as text, in the contact's
``extra`` data (for example a customer id or a segment, to join with the answers later).

The list is taken whole or not at all: ``parse_contacts`` returns every problem found (a bad
address, an address twice in the file, an address already invited, an unknown language, a
spreadsheet formula) with its row and column, and the caller creates nothing when there is one.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from responses.core.tables import Cell, Formula, RowError, Table
from surveys.core.messages import gettext_noop, message

MAX_CONTACTS = 20_000
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 200
MAX_EXTRA_LENGTH = 500
MAX_REPORTED_ERRORS = 200

_HEADER_ALIASES = {
    "email": ("email", "e-mail", "email address", "e-mail address", "mail", "địa chỉ email", "thư điện tử"),
    "name": ("name", "full name", "tên", "họ tên", "họ và tên"),
    "language": ("language", "lang", "ngôn ngữ"),
}
_LANGUAGE_NAMES = {
    "vi": ("vi", "vie", "vietnamese", "tiếng việt", "tieng viet", "vi-vn"),
    "en": ("en", "eng", "english", "tiếng anh", "tieng anh", "en-us", "en-gb"),
}
# A pragmatic address check: something@domain.tld, no spaces, no quoted parts or IP literals.
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


@dataclass(frozen=True, slots=True)
class Contact:
    row: int  # the spreadsheet row it came from
    email: str  # lower-cased
    name: str
    language: str  # "" when the list does not say: the survey's default language is used
    extra: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ContactList:
    contacts: tuple[Contact, ...]
    errors: tuple[RowError, ...]

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().replace("_", " ").split())


def _column_roles(header: tuple[str, ...]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for index, name in enumerate(header):
        for role, aliases in _HEADER_ALIASES.items():
            if _normal(name) in aliases and role not in roles:
                roles[role] = index
    return roles


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).replace("\x00", "").strip()


def normalise_email(text: str) -> str:
    return text.strip().lower()


def is_valid_email(email: str) -> bool:
    return len(email) <= MAX_EMAIL_LENGTH and bool(_EMAIL_RE.match(email)) and ".." not in email


def language_code(text: str) -> str | None:
    """Return "vi" or "en" for a language written as a code or a name, None when unknown."""
    wanted = _normal(text)
    return next((code for code, names in _LANGUAGE_NAMES.items() if wanted in names), None)


def parse_contacts(
    table: Table,
    *,
    languages: Collection[str],
    existing_emails: Collection[str] = (),
    max_contacts: int = MAX_CONTACTS,
) -> ContactList:
    """Return the contacts of ``table`` and every problem found, row by row.

    ``languages`` are the survey's languages (a contact's language must be one of them);
    ``existing_emails`` are the lower-cased addresses already invited through this collector.
    """
    roles = _column_roles(table.header)
    errors: list[RowError] = []
    if "email" not in roles:
        return ContactList(
            (),
            (
                RowError(
                    None,
                    "email",
                    message(gettext_noop("The file needs a column named “email” holding the addresses.")),
                ),
            ),
        )
    if len(table.rows) > max_contacts:
        return ContactList(
            (),
            (
                RowError(
                    None,
                    "",
                    message(gettext_noop("A list holds at most {limit} contacts."), limit=max_contacts),
                ),
            ),
        )
    duplicates = [name for name in table.header if name and table.header.count(name) > 1]
    if duplicates:
        return ContactList(
            (),
            (
                RowError(
                    None,
                    duplicates[0],
                    message(gettext_noop("Two columns are named “{column}”."), column=duplicates[0]),
                ),
            ),
        )
    existing = {email.lower() for email in existing_emails}
    seen: dict[str, int] = {}
    contacts: list[Contact] = []
    known_roles = set(roles.values())
    for number, values in zip(table.row_numbers, table.rows, strict=True):
        row_errors: list[RowError] = []
        texts: dict[int, str] = {}
        for index, value in enumerate(values):
            if isinstance(value, Formula):
                row_errors.append(
                    RowError(
                        number,
                        table.header[index],
                        message(
                            gettext_noop(
                                "This cell holds a spreadsheet formula; enter the value itself "
                                "(start it with an apostrophe to keep a leading “=”)."
                            )
                        ),
                    )
                )
                texts[index] = ""
            else:
                texts[index] = _text(value)
        email = normalise_email(texts[roles["email"]])
        if not email:
            row_errors.append(
                RowError(number, table.header[roles["email"]], message(gettext_noop("The email address is missing.")))
            )
        elif not is_valid_email(email):
            row_errors.append(
                RowError(
                    number,
                    table.header[roles["email"]],
                    message(gettext_noop("“{email}” is not a valid email address."), email=email[:100]),
                )
            )
        elif email in seen:
            row_errors.append(
                RowError(
                    number,
                    table.header[roles["email"]],
                    message(gettext_noop("{email} is also on row {row} of this file."), email=email, row=seen[email]),
                )
            )
        elif email in existing:
            row_errors.append(
                RowError(
                    number,
                    table.header[roles["email"]],
                    message(gettext_noop("{email} has already been invited to this survey."), email=email),
                )
            )
        else:
            seen[email] = number
        name = texts[roles["name"]] if "name" in roles else ""
        if len(name) > MAX_NAME_LENGTH:
            row_errors.append(
                RowError(
                    number,
                    table.header[roles["name"]],
                    message(gettext_noop("A name has at most {limit} characters."), limit=MAX_NAME_LENGTH),
                )
            )
        language = ""
        if "language" in roles and texts[roles["language"]]:
            code = language_code(texts[roles["language"]])
            if code is None or code not in languages:
                row_errors.append(
                    RowError(
                        number,
                        table.header[roles["language"]],
                        message(
                            gettext_noop("Unknown language “{language}”: use one of {languages}."),
                            language=texts[roles["language"]][:40],
                            languages=", ".join(languages),
                        ),
                    )
                )
            else:
                language = code
        extra = {}
        for index, column in enumerate(table.header):
            if index in known_roles or not column or not texts[index]:
                continue
            if len(texts[index]) > MAX_EXTRA_LENGTH:
                row_errors.append(
                    RowError(
                        number,
                        column,
                        message(gettext_noop("A cell holds at most {limit} characters."), limit=MAX_EXTRA_LENGTH),
                    )
                )
            extra[column] = texts[index]
        if row_errors:
            errors.extend(row_errors)
        else:
            contacts.append(Contact(number, email, name, language, extra))
    if not errors and not contacts:
        errors.append(RowError(None, "", message(gettext_noop("The file lists no contacts."))))
    return ContactList(tuple(contacts), tuple(errors))
