import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, **options: object) -> str:
    out = StringIO()
    call_command("sample_size", *args, stdout=out, language="en", **options)
    return out.getvalue()


def run_json(*args: str, **options: object) -> dict:
    return json.loads(run(*args, json=True, **options))


@pytest.mark.parametrize(
    ("kind", "options", "field", "expected"),
    [
        # Krejcie & Morgan (1970): N = 1000 -> 278.
        ("proportion", {"margin": 0.05, "population": 1000}, "required_responses", 278),
        ("proportion", {"margin": 0.05, "population": 500, "rounding": "nearest"}, "required_responses", 217),
        ("margin", {"n": 1000}, "margin_of_error", pytest.approx(0.0309898, abs=1e-7)),
        ("margin", {"n": 400, "sd": 2}, "margin_of_error", pytest.approx(0.195996, abs=1e-6)),
        ("mean", {"sd": 15, "margin": 3}, "required_responses", 97),
        ("invitations", {"n": 385, "response_rate": 0.2}, "invitations", 1925),
        # R: power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.7.
        ("two-proportions", {"p1": 0.5, "p2": 0.75, "power": 0.9}, "n_group1_exact", pytest.approx(76.7069, abs=1e-4)),
        # R: power.prop.test(n = 50, p1 = .50, p2 = .75) -> power = 0.7401659.
        ("two-proportions", {"p1": 0.5, "p2": 0.75, "n": 50}, "power", pytest.approx(0.7401659, abs=1e-7)),
        # R: power.prop.test(n = 50, p1 = .5, power = .90) -> p2 = 0.8026.
        ("two-proportions", {"p1": 0.5, "n": 50, "power": 0.9}, "p2", pytest.approx(0.8026, abs=5e-5)),
        # R: power.t.test(n = 20, delta = 1) -> power = 0.8689528.
        ("two-means", {"effect_size": 1, "n": 20}, "power", pytest.approx(0.8689528, abs=1e-7)),
        # R: power.t.test(power = .90, delta = 1, alternative = "one.sided") -> n = 17.84713.
        (
            "two-means",
            {"effect_size": 1, "power": 0.9, "alternative": "one-sided"},
            "n_group1_exact",
            pytest.approx(17.84713, abs=1e-4),
        ),
        # statsmodels GofChisquarePower(effect_size=.3, nobs=100, n_bins=2) -> 0.8508388.
        ("chi-square", {"df": 1, "effect_size": 0.3, "n": 100}, "power", pytest.approx(0.8508388, abs=1e-7)),
        # Cohen (1992), Table 2: w = .3, 2 df, power .80 -> 107 (107.05 exactly, so 108 whole answers).
        ("chi-square", {"df": 2, "effect_size": 0.3}, "n", 108),
    ],
)
def test_each_kind_prints_its_result_as_one_json_object(kind, options, field, expected):
    payload = run_json(kind, **options)
    assert payload["kind"] == kind
    assert payload[field] == expected
    assert "formula" in payload


def test_invitations_from_a_margin_include_the_sample_size_they_were_computed_from():
    payload = run_json("invitations", margin=0.05, population=1000, response_rate=0.25, eligibility_rate=0.8)
    assert payload["sample_size"]["required_responses"] == 278
    assert payload["required_responses"] == 278
    assert payload["invitations"] == 1390
    assert payload["exceeds_population"] is True


def test_power_kinds_answer_the_question_their_options_leave_open():
    assert "power" in run_json("two-means", effect_size=0.5, n=64)
    assert "n_group1" in run_json("two-means", effect_size=0.5)
    assert run_json("two-means", n=64)["effect_size"] == pytest.approx(0.4991, abs=1e-3)


def test_human_output_leads_with_the_answer_and_shows_the_formula():
    out = run("proportion", margin=0.05, population=1000)
    first_line, *details = out.splitlines()
    assert first_line == "Responses needed: 278"
    assert any(line.strip().startswith("Formula: n0 = z²·p(1−p)/e²") for line in details)
    assert any(line.strip() == "n after the finite-population correction: 277.733" for line in details)


def test_human_output_for_a_two_group_test_names_both_group_sizes():
    out = run("two-proportions", p1=0.5, p2=0.75, power=0.9)
    assert out.splitlines()[0] == "Answers needed: 77 in group 1 and 77 in group 2 (154 in total)"


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (("proportion",), {"margin": 0}, "The margin of error must be greater than 0 and less than 1."),
        (("proportion",), {"margin": 0.05, "proportion": 1.5}, "The expected proportion must be greater than 0"),
        (("proportion",), {"margin": 0.05, "population": 0}, "The population size must be a whole number"),
        (("invitations",), {"n": 100, "response_rate": 0}, "The response rate must be greater than 0 and at most 1."),
        (("two-proportions",), {"p1": 0.5, "p2": 0.6, "power": 1.0}, "The power must be greater than 0"),
        (("proportion",), {}, "proportion needs --margin."),
        (("proportion",), {"margin": 0.05, "p2": 0.3}, "--p2 does not apply to proportion."),
        (("two-means",), {"effect_size": 1, "n": 20, "power": 0.9}, "Leave one of --effect-size, --n and --power out"),
        (("margin",), {"n": 100, "sd": 2, "proportion": 0.3}, "Give either --proportion or --sd, not both."),
        (("chi-square",), {"df": 2}, "chi-square needs --effect-size or --n."),
    ],
)
def test_bad_parameters_raise_a_command_error_with_the_clear_message(args, options, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args, **options)


def _manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run(
        [sys.executable, "manage.py", "sample_size", *args, "--language", "en"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_bad_parameter_exits_non_zero_with_the_message_on_stderr():
    completed = _manage("proportion", "--margin", "0", "--json")
    assert completed.returncode != 0
    assert "The margin of error must be greater than 0 and less than 1." in completed.stderr
    assert completed.stdout == ""


def test_good_parameters_exit_zero_with_json_on_stdout():
    completed = _manage("proportion", "--margin", "0.05", "--json")
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["required_responses"] == 385


def test_help_lists_every_kind_and_exits_zero():
    completed = _manage("--help")
    assert completed.returncode == 0
    assert "{proportion,margin,mean,invitations,two-proportions,two-means,chi-square}" in completed.stdout
