import json
import math
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from analysis.core.census import load_vietnam_census_2019


def run(*args: str, **options: object) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rake", *args, stdout=out, stderr=err, language="en", **options)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def table_csv(table: list[list[int]], *, extra: str = "") -> str:
    """A responses file whose sex × area counts are ``table`` (rows male/female, columns urban/rural)."""
    lines = ["id,sex,area" + extra]
    number = 0
    for sex, row in zip(["male", "female"], table, strict=True):
        for area, count in zip(["urban", "rural"], row, strict=True):
            for _ in range(count):
                number += 1
                lines.append(f"{number},{sex},{area}" + ("," + str(1 + number % 2) if extra else ""))
    return "\n".join(lines) + "\n"


SHARES = {"sex": {"male": 0.25, "female": 0.75}, "area": {"urban": 0.5, "rural": 0.5}}


def test_json_output_has_one_weight_per_row_that_reaches_the_targets(tmp_path):
    # Survey table [[7, 9], [12, 7]] raked to rows (5, 15) and columns (10, 10); see test_weighting for
    # the closed form. Here as shares, so the weights add up to the 35 respondents.
    responses = write(tmp_path, "r.csv", table_csv([[7, 9], [12, 7]]))
    targets = write(tmp_path, "t.json", json.dumps(SHARES))
    out, _err = run(responses=responses, targets=targets, json=True)
    payload = json.loads(out)
    weights = np.array(payload["weights"])
    assert weights.shape == (35,)
    assert payload["converged"] is True and payload["status"] == "converged"
    assert payload["target_kind"] == "shares"
    assert sum(weights) == pytest.approx(35)
    assert weights[:16].sum() / 35 == pytest.approx(0.25, abs=1e-8)  # the first 16 rows are the men
    assert payload["max_error"] <= 1e-8
    assert payload["summary"]["design_effect"] >= 1
    assert {e["category"] for e in payload["errors"]} == {"male", "female", "urban", "rural"}
    assert [f["variable"] for f in payload["before"]["fits"]] == ["sex", "area"]


def test_counts_give_expansion_weights_and_census_targets_work(tmp_path):
    preset = load_vietnam_census_2019()
    targets = {v.name: {c.code: c.population for c in v.categories} for v in preset.variables}
    rng = np.random.default_rng(5)
    lines = ["sex,area,region"]
    categories = [[c.code for c in v.categories] for v in preset.variables]
    for i in range(600):
        lines.append(",".join(codes[(i + rng.integers(0, 7)) % len(codes)] for codes in categories))
    responses = write(tmp_path, "r.csv", "\n".join(lines) + "\n")
    out, _err = run(responses=responses, targets=write(tmp_path, "t.json", json.dumps(targets)), json=True)
    payload = json.loads(out)
    assert payload["target_kind"] == "counts"
    assert sum(payload["weights"]) == pytest.approx(96_208_984)


def test_text_output_shows_the_diagnostics_and_the_weights(tmp_path):
    responses = write(tmp_path, "r.csv", table_csv([[7, 9], [12, 7]]))
    out, _err = run(responses=responses, targets=write(tmp_path, "t.json", json.dumps(SHARES)))
    assert "Converged in" in out
    assert "Design effect (Kish)" in out
    assert "Target share" in out and "Weighted share" in out
    weight_lines = out.split("Weights (one per respondent, in file order):\n")[1].splitlines()
    assert len(weight_lines) == 35
    assert all(float(line) > 0 for line in weight_lines)


def test_base_weights_bom_and_bounds(tmp_path):
    responses = write(tmp_path, "r.csv", table_csv([[7, 9], [12, 7]], extra=",base"), encoding="utf-8-sig")
    targets = write(tmp_path, "t.json", json.dumps(SHARES))
    payload = json.loads(
        run(responses=responses, targets=targets, base_weight_column="base", max_weight=4, min_weight=0.2, json=True)[0]
    )
    weights = np.array(payload["weights"])
    assert payload["has_base_weights"] is True
    assert payload["max_weight"] == 4 and payload["min_weight"] == 0.2
    assert weights.max() <= 4 * weights.mean() * (1 + 1e-9)
    assert payload["converged"] is True


def test_unreachable_targets_print_the_result_and_exit_non_zero(tmp_path):
    responses = write(tmp_path, "r.csv", table_csv([[7, 9], [12, 7]]))
    targets = write(tmp_path, "t.json", json.dumps(SHARES))
    out = StringIO()
    with pytest.raises(CommandError, match="bounds on the weights make the targets unreachable"):
        call_command("rake", responses=responses, targets=targets, max_weight=1.2, json=True, stdout=out, language="en")
    payload = json.loads(out.getvalue())
    assert payload["converged"] is False
    assert payload["max_error"] > 1e-3
    assert all(math.isfinite(w) for w in payload["weights"])


@pytest.mark.parametrize(
    ("responses_text", "targets_text", "options", "message"),
    [
        ("id,sex\n1,male\n2,female\n", json.dumps(SHARES), {}, "no column area"),
        (table_csv([[1, 1], [1, 1]]).replace("female,rural", "Female,rural"), json.dumps(SHARES), {}, "Female"),
        (table_csv([[1, 1], [1, 1]]).replace("4,female,rural", "4,female,"), json.dumps(SHARES), {}, "no answer"),
        (table_csv([[1, 1], [1, 1]]), "{not json", {}, "not valid JSON"),
        (table_csv([[1, 1], [1, 1]]), json.dumps(["sex"]), {}, "must map each column name"),
        (table_csv([[1, 1], [1, 1]]), json.dumps({"sex": {"male": 0.5, "female": 0.6}}), {}, "add up to 1.1"),
        (
            table_csv([[1, 1], [1, 1]]),
            json.dumps({"sex": {"male": 49, "female": 51}, "area": {"urban": 40, "rural": 61}}),
            {},
            "same population",
        ),
        ("", json.dumps(SHARES), {}, "is empty"),
        ("id,sex,area\n", json.dumps(SHARES), {}, "has a header but no responses"),
        ("id,sex,area\n1,male\n", json.dumps(SHARES), {}, "Line 2 of the responses file has 2 fields"),
        ("id,sex,sex\n1,male,male\n", json.dumps(SHARES), {}, "more than one column called sex"),
        (table_csv([[2, 0], [2, 0]]), json.dumps(SHARES), {}, "Nobody answered rural for area"),
        (table_csv([[1, 1], [1, 1]]), json.dumps(SHARES), {"base_weight_column": "weight"}, "no column weight"),
        (table_csv([[1, 1], [1, 1]]), json.dumps(SHARES), {"base_weight_column": "id", "min_weight": 2}, "at most 1"),
        (table_csv([[1, 1], [1, 1]]), json.dumps(SHARES), {"base_weight_column": "sex"}, "also a target variable"),
        (table_csv([[1, 1], [1, 1]]), json.dumps(SHARES), {"tolerance": 0}, "tolerance"),
    ],
)
def test_bad_files_give_a_clear_error(tmp_path, responses_text, targets_text, options, message):
    responses = write(tmp_path, "r.csv", responses_text)
    targets = write(tmp_path, "t.json", targets_text)
    with pytest.raises(CommandError, match=message):
        run(responses=responses, targets=targets, **options)


def test_a_non_numeric_base_weight_is_an_error(tmp_path):
    text = "sex,area,base\nmale,urban,1\nfemale,rural,abc\nmale,rural,1\nfemale,urban,1\n"
    with pytest.raises(CommandError, match="Row 2: the base weight “abc” in column base is not a number"):
        run(
            responses=write(tmp_path, "r.csv", text),
            targets=write(tmp_path, "t.json", json.dumps(SHARES)),
            base_weight_column="base",
        )


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(responses=str(tmp_path / "missing.csv"), targets=write(tmp_path, "t.json", json.dumps(SHARES)))
    with pytest.raises(CommandError, match="Cannot read"):
        run(responses=write(tmp_path, "r.csv", table_csv([[1, 1], [1, 1]])), targets=str(tmp_path / "none.json"))


def test_the_command_runs_in_a_subprocess_and_exits_non_zero_on_bad_input(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    command = [
        sys.executable,
        str(root / "manage.py"),
        "rake",
        "--responses",
        write(tmp_path, "r.csv", table_csv([[7, 9], [12, 7]])),
        "--targets",
        write(tmp_path, "t.json", "{"),
        "--json",
        "--language",
        "en",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=root, timeout=120, check=False)
    assert completed.returncode != 0
    assert "not valid JSON" in completed.stderr
