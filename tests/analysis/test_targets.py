"""Target sets: typed, uploaded (CSV/XLSX, hostile files included) and the Census 2019 preset; mapping suggestions."""

import io

import openpyxl
import pytest
from django.utils import translation

from analysis import services
from analysis.models import TargetCategory, TargetSet, TargetVariable
from surveys.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(workspace, data: bytes, name: str = "Tệp"):
    return services.import_target_set(workspace=workspace, name=name, file=io.BytesIO(data))


def _file_errors(error: pytest.ExceptionInfo) -> list[str]:
    return error.value.fields["file"]


def test_the_census_preset_is_copied_with_its_source_and_exact_counts(workspace, owner_user):
    with translation.override("en"):
        census = services.create_target_set_from_preset(workspace=workspace, created_by=owner_user)
        again = services.create_target_set_from_preset(workspace=workspace)
    assert census.name == "Viet Nam population (Census 2019)"
    assert again.name == "Viet Nam population (Census 2019) (2)"  # a second copy never overwrites the first
    assert "General Statistics Office" in census.source
    assert census.preset == "vietnam_census_2019"
    values = {(v.name, c.code): c.value for v in census.variables.all() for c in v.categories.all()}
    assert values[("sex", "female")] == 48_327_923
    assert values[("area", "urban")] == 33_059_735
    assert values[("region", "red_river_delta")] == 22_543_607
    for variable in census.variables.all():
        assert variable.kind == "counts"
        assert sum(c.value for c in variable.categories.all()) == 96_208_984


def test_shares_that_do_not_add_up_to_one_are_refused_with_the_variable_named(workspace):
    with pytest.raises(InvalidInput) as error, translation.override("en"):
        services.create_target_set(
            workspace=workspace,
            name="Sai",
            variables=[
                {
                    "name": "sex",
                    "kind": "shares",
                    "categories": [{"code": "m", "value": 0.5}, {"code": "f", "value": 0.4}],
                }
            ],
        )
    assert error.value.fields == {"variables.0": ["The shares for sex add up to 0.9, not 1."]}
    assert not TargetSet.objects.exists()


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ([], "variables"),
        (
            [{"name": "Sex!", "categories": [{"code": "m", "value": 0.5}, {"code": "f", "value": 0.5}]}],
            "variables.0.name",
        ),
        ([{"name": "sex", "categories": [{"code": "m", "value": 1}]}], "variables.0.categories"),
        (
            [{"name": "sex", "categories": [{"code": "m", "value": 0.5}, {"code": "m", "value": 0.5}]}],
            "variables.0.categories.1.code",
        ),
        (
            [{"name": "sex", "categories": [{"code": "m", "value": -1}, {"code": "f", "value": 2}]}],
            "variables.0.categories.0.value",
        ),
        (
            [{"name": "sex", "categories": [{"code": "m", "value": float("nan")}, {"code": "f", "value": 1}]}],
            "variables.0.categories.0.value",
        ),
        (
            [
                {
                    "name": "sex",
                    "kind": "weird",
                    "categories": [{"code": "m", "value": 0.5}, {"code": "f", "value": 0.5}],
                }
            ],
            "variables.0.kind",
        ),
        (
            [{"name": "sex", "kind": "counts", "categories": [{"code": "m", "value": 0}, {"code": "f", "value": 0}]}],
            "variables.0",
        ),
    ],
)
def test_bad_targets_are_refused_field_by_field(workspace, variables, field):
    with pytest.raises(InvalidInput) as error:
        services.create_target_set(workspace=workspace, name="Sai", variables=variables)
    assert field in error.value.fields
    assert not TargetVariable.objects.exists()


def test_names_are_unique_per_workspace(workspace):
    variables = [{"name": "sex", "categories": [{"code": "m", "value": 0.5}, {"code": "f", "value": 0.5}]}]
    services.create_target_set(workspace=workspace, name="Khách", variables=variables)
    with pytest.raises(InvalidInput) as error:
        services.create_target_set(workspace=workspace, name="Khách", variables=variables)
    assert "name" in error.value.fields


def test_a_csv_file_becomes_a_target_set_with_labels_and_decimal_commas(workspace):
    data = (
        "variable,category,share,label_vi,label_en\n"
        'sex,female,"0,52",Nữ,Female\n'
        "area,urban,0.4,Thành thị,Urban\n"
        'sex,male,"0,48",Nam,Male\n'
        "area,rural,0.6,Nông thôn,Rural\n"
    ).encode("utf-8-sig")
    target_set = _import(workspace, data)
    variables = list(target_set.variables.all())
    assert [v.name for v in variables] == ["sex", "area"]
    sex = variables[0]
    assert [(c.code, c.value, c.label_vi) for c in sex.categories.all()] == [
        ("female", 0.52, "Nữ"),
        ("male", 0.48, "Nam"),
    ]


def test_an_xlsx_file_with_counts_is_read(workspace):
    data = _xlsx(
        [
            ["variable", "category", "count"],
            ["region", "north", 300],
            ["region", "south", 700],
            ["age", 1, 10],
            ["age", 2, 30],
        ]
    )
    target_set = _import(workspace, data)
    age = target_set.variables.get(name="age")
    assert age.kind == "counts"
    assert [c.code for c in age.categories.all()] == ["1", "2"]  # not "1.0"


def test_every_bad_row_is_reported_and_nothing_is_created(workspace):
    data = (
        b"variable,category,share\n"
        b"sex,female,0.6\n"
        b"sex,female,0.4\n"  # repeated
        b"Sex,x,0.5\n"  # bad variable name
        b"age,,0.5\n"  # no category
        b"age,young,lots\n"  # not a number
    )
    with pytest.raises(InvalidInput) as error, translation.override("en"):
        _import(workspace, data)
    lines = _file_errors(error)
    assert any(line.startswith("Row 3") and "appears twice" in line for line in lines)
    assert any(line.startswith("Row 4") for line in lines)
    assert any(line.startswith("Row 5") for line in lines)
    assert any(line.startswith("Row 6") for line in lines)
    assert not TargetSet.objects.exists()


def test_a_variable_whose_shares_are_off_names_its_rows(workspace):
    data = b"variable,category,share\nsex,female,0.6\nsex,male,0.6\n"
    with pytest.raises(InvalidInput) as error, translation.override("en"):
        _import(workspace, data)
    assert _file_errors(error) == ["Rows 2–3 (sex): The shares for sex add up to 1.2, not 1."]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file"),
        ("variable,category,share\nsex,nữ,0.5\n".encode("cp1258", errors="replace") + b"\xff\xfe", "UTF-8"),
        (b"variable,category\nsex,f\n", "share"),
        (b"variable,category,share,count\nsex,f,0.5,1\n", "exactly one"),
        (b"variable,category,share,secret\nsex,f,0.5,x\n", "Unknown column"),
        (b"variable,category,share\n", "no targets"),
    ],
)
def test_hostile_or_malformed_files_are_refused_with_a_reason(workspace, data, expected):
    with pytest.raises(InvalidInput) as error, translation.override("en"):
        _import(workspace, data)
    assert expected in " ".join([str(error.value.message), *error.value.fields.get("file", [])])
    assert not TargetSet.objects.exists()


def test_spreadsheet_formulas_are_refused(workspace):
    data = _xlsx([["variable", "category", "share"], ["sex", "f", "=1/2"], ["sex", "m", 0.5]])
    with pytest.raises(InvalidInput) as error, translation.override("en"):
        _import(workspace, data)
    assert any("Formulas are not accepted" in line for line in _file_errors(error))


def test_a_file_over_the_size_limit_is_refused_before_reading(workspace):
    data = b"variable,category,share\n" + b"sex,f,0.5\n" * (services.TARGETS_MAX_BYTES // 10 + 10)
    with pytest.raises(InvalidInput) as error:
        _import(workspace, data)
    assert error.value.code == "file_too_large"


def test_a_set_used_by_a_survey_cannot_be_deleted_or_reshaped(survey, workspace):
    variables = [{"name": "area", "categories": [{"code": "urban", "value": 0.3}, {"code": "rural", "value": 0.7}]}]
    target_set = services.create_target_set(workspace=workspace, name="Khu vực", variables=variables)
    services.save_target_mapping(survey=survey, target_set=target_set)
    with pytest.raises(Conflict):
        services.delete_target_set(target_set=target_set)
    reshaped = [{"name": "area", "categories": [{"code": "city", "value": 0.3}, {"code": "rural", "value": 0.7}]}]
    with pytest.raises(Conflict):
        services.update_target_set(target_set=target_set, name="Khu vực", variables=reshaped)
    assert TargetCategory.objects.filter(code="urban").exists()
    services.detach_target_set(survey=survey)
    services.delete_target_set(target_set=target_set)
    assert not TargetSet.objects.exists()


def test_fold_ignores_accents_case_and_punctuation():
    assert services.fold("Đồng bằng sông Hồng") == services.fold("dong bang song hong")
    assert services.fold("Nữ") == "nu"
    assert services.fold("Bắc Trung Bộ và duyên hải miền Trung") == services.fold(
        "Bắc Trung Bộ và Duyên hải miền Trung"
    )


def test_a_mapping_must_list_every_option_and_only_real_categories(survey, workspace):
    variables = [{"name": "area", "categories": [{"code": "urban", "value": 0.3}, {"code": "rural", "value": 0.7}]}]
    target_set = services.create_target_set(workspace=workspace, name="Khu vực", variables=variables)
    with pytest.raises(InvalidInput) as error:
        services.save_target_mapping(
            survey=survey,
            target_set=target_set,
            variables={"area": {"question_key": "area", "recoding": {"urban": "urban", "mars": "rural"}}},
        )
    assert set(error.value.fields) == {"variables.area.recoding.rural", "variables.area.recoding.mars"}
    with pytest.raises(InvalidInput) as error:
        services.save_target_mapping(
            survey=survey,
            target_set=target_set,
            variables={"area": {"question_key": "area", "recoding": {"urban": "city", "rural": "rural"}}},
        )
    assert "variables.area.recoding.urban" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        services.save_target_mapping(
            survey=survey,
            target_set=target_set,
            variables={"area": {"question_key": "nope", "recoding": {}}},
        )
    assert "variables.area.question_key" in error.value.fields
    assert not hasattr(survey, "target_mapping") or survey.target_mapping is None


def test_merging_options_into_one_band_is_allowed(survey, workspace):
    variables = [{"name": "region", "categories": [{"code": "all", "value": 0.5}, {"code": "none", "value": 0.5}]}]
    target_set = services.create_target_set(workspace=workspace, name="Gộp", variables=variables)
    mapping = services.save_target_mapping(
        survey=survey,
        target_set=target_set,
        variables={"region": {"question_key": "region", "recoding": {"north": "all", "south": "all"}}},
    )
    assert mapping.variables.get().recoding == {"north": "all", "south": "all"}
