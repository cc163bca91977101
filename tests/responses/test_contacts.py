"""Contact lists: the pure parser and the all-or-nothing import service."""

import io

import openpyxl
import pytest
from django.utils import translation

from responses import services
from responses.core import contacts, tables
from responses.models import Invitation


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def table(text: str) -> tables.Table:
    return tables.read_table(text.encode(), max_rows=1000)


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def messages(parsed: contacts.ContactList) -> list[tuple[int | None, str, str]]:
    return [(error.row, error.column, error.message.render()) for error in parsed.errors]


# --- the parser ------------------------------------------------------------------------------


def test_parser_keeps_name_language_and_extra_columns():
    parsed = contacts.parse_contacts(
        table("Email,Họ tên,Ngôn ngữ,customer_id,segment\nAn@Example.VN,Nguyễn Văn An,English,C-17,vip\n"),
        languages=["vi", "en"],
    )
    assert parsed.is_valid
    (contact,) = parsed.contacts
    assert contact == contacts.Contact(
        2, "an@example.vn", "Nguyễn Văn An", "en", {"customer_id": "C-17", "segment": "vip"}
    )


def test_parser_reports_every_row_problem_with_row_and_column():
    text = (
        "email,name,language\n"
        "good@example.vn,Good,vi\n"
        "not-an-address,Bad,vi\n"
        "GOOD@example.vn,Twice,vi\n"
        "old@example.vn,Old,vi\n"
        "new@example.vn,New,fr\n"
        ",Missing,\n"
    )
    parsed = contacts.parse_contacts(table(text), languages=["vi", "en"], existing_emails={"old@example.vn"})
    assert messages(parsed) == [
        (3, "email", "“not-an-address” is not a valid email address."),
        (4, "email", "good@example.vn is also on row 2 of this file."),
        (5, "email", "old@example.vn has already been invited to this survey."),
        (6, "language", "Unknown language “fr”: use one of vi, en."),
        (7, "email", "The email address is missing."),
    ]


def test_language_must_be_one_of_the_surveys():
    parsed = contacts.parse_contacts(table("email,language\na@example.vn,en\n"), languages=["vi"])
    assert messages(parsed) == [(2, "language", "Unknown language “en”: use one of vi.")]


def test_a_formula_cell_is_refused_but_an_escaped_one_is_text():
    parsed = contacts.parse_contacts(
        table('email,name,note\na@example.vn,=HYPERLINK("http://evil"),x\nb@example.vn,\'=Bình,+84 912 345 678\n'),
        languages=["vi"],
    )
    assert [(e.row, e.column) for e in parsed.errors] == [(2, "name")]
    assert "formula" in parsed.errors[0].message.render()


def test_a_file_without_an_email_column_is_refused_as_a_whole():
    parsed = contacts.parse_contacts(table("name\nAn\n"), languages=["vi"])
    assert messages(parsed) == [(None, "email", "The file needs a column named “email” holding the addresses.")]


def test_a_list_with_only_a_header_is_refused():
    parsed = contacts.parse_contacts(table("email\n\n\n"), languages=["vi"])
    assert messages(parsed) == [(None, "", "The file lists no contacts.")]


# --- reading files ---------------------------------------------------------------------------


def test_semicolon_separated_csv_with_bom_is_read():
    parsed = contacts.parse_contacts(
        tables.read_table("\ufeffemail;name\na@example.vn;Ánh\n".encode(), max_rows=10), languages=["vi"]
    )
    assert [(c.email, c.name) for c in parsed.contacts] == [("a@example.vn", "Ánh")]


def test_xlsx_contacts_are_read_and_xlsx_formulas_refused():
    data = xlsx([["email", "name"], ["a@example.vn", "An"], ["b@example.vn", "=1+1"]])
    parsed = contacts.parse_contacts(tables.read_table(data, max_rows=10), languages=["vi"])
    assert [c.email for c in parsed.contacts] == ["a@example.vn"]
    assert [(e.row, e.column) for e in parsed.errors] == [(3, "name")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("email,name\na@x.vn,Bình\n".encode("latin-1"), "not UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel file"),
        (b"PK\x03\x04garbage", "not an Excel workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV or Excel"),
        (b"", "empty"),
    ],
)
def test_unreadable_files_get_a_clear_error(data, expected):
    with pytest.raises(tables.TableError) as error:
        tables.read_table(data, max_rows=10)
    assert expected in error.value.message.render()


def test_too_many_rows_are_refused():
    text = "email\n" + "".join(f"u{n}@example.vn\n" for n in range(11))
    with pytest.raises(tables.TableError, match="more than"):
        tables.read_table(text.encode(), max_rows=10)


# --- the service -----------------------------------------------------------------------------


@pytest.fixture
def invitations(survey, researcher):
    return services.create_collector(survey=survey, created_by=researcher, kind="invitation")


def upload(collector, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return services.import_contacts(collector=collector, file=io.BytesIO(data))


def test_import_creates_one_invitation_per_contact_with_a_long_token(invitations):
    created = upload(invitations, "email,name,language,shop\na@example.vn,An,en,Q1\nb@example.vn,Bình,,Q3\n")
    assert len(created) == 2
    stored = list(Invitation.objects.filter(collector=invitations).order_by("email"))
    assert [(i.email, i.name, i.language, i.extra, i.status) for i in stored] == [
        ("a@example.vn", "An", "en", {"shop": "Q1"}, "created"),
        ("b@example.vn", "Bình", "", {"shop": "Q3"}, "created"),
    ]
    assert all(len(i.token) >= 43 for i in stored)  # 256 random bits, URL-safe


def test_one_bad_row_imports_nothing(invitations):
    with pytest.raises(services.FileRowsInvalid) as error:
        upload(invitations, "email\na@example.vn\nbroken\n")
    assert error.value.fields["file"] == ["Row 3, column “email”: “broken” is not a valid email address."]
    assert [(e.row, e.column) for e in error.value.row_errors] == [(3, "email")]
    assert not Invitation.objects.exists()


def test_importing_the_same_address_again_is_refused(invitations):
    upload(invitations, "email\na@example.vn\n")
    with pytest.raises(services.FileRowsInvalid, match="1 problem"):
        upload(invitations, "email\nb@example.vn\nA@EXAMPLE.VN\n")
    assert Invitation.objects.count() == 1


def test_a_huge_file_is_refused_before_it_is_read(invitations, monkeypatch):
    monkeypatch.setattr(services, "CONTACTS_MAX_BYTES", 100)
    with pytest.raises(services.InvalidInput, match="larger than") as error:
        upload(invitations, "email\n" + "a@example.vn\n" * 20)
    assert error.value.code == "file_too_large"
    assert not Invitation.objects.exists()


def test_a_wrong_file_type_is_refused_with_a_clear_message(invitations):
    with pytest.raises(services.InvalidInput, match="not a CSV or Excel"):
        upload(invitations, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert not Invitation.objects.exists()


def test_a_public_link_has_no_contacts(collector):
    with pytest.raises(services.Conflict):
        upload(collector, "email\na@example.vn\n")
