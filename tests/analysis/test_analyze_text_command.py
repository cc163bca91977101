import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.analysis.core.open_text.synthetic import DELIVERY, PRICE, SERVICE


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def answers_file(tmp_path) -> Path:
    rows = [{"id": f"a{i}", "text": t} for i, t in enumerate(DELIVERY + PRICE + SERVICE)]
    rows.append({"id": 99, "text": "không có"})
    return write_jsonl(tmp_path / "answers.jsonl", rows)


def run(*args: str, **options: object) -> str:
    out = StringIO()
    call_command("analyze_text", *args, stdout=out, language="en", **options)
    return out.getvalue()


def test_json_output_lists_every_answer_and_the_themes(answers_file):
    payload = json.loads(run(str(answers_file), "--themes", "3", "--json"))
    assert len(payload["answers"]) == 31
    first = payload["answers"][0]
    assert set(first) >= {"id", "lang", "themes", "sentiment", "score"}
    assert first["id"] == "a0" and first["lang"] == "vi" and first["sentiment"] == "positive"
    assert -1 <= first["score"] <= 1
    non_answer = next(a for a in payload["answers"] if a["id"] == "99")  # integer ids become strings
    assert non_answer["themes"] == [] and non_answer["is_non_answer"]
    theme_ids = {t["id"] for t in payload["themes"]}
    assert {tid for a in payload["answers"] for tid in a["themes"]} <= theme_ids
    real = [t for t in payload["themes"] if t["id"] != "other"]
    assert len(real) == 3
    assert all({"id", "label", "keywords", "quotes"} <= set(t) and len(t["quotes"]) == 3 for t in real)


def test_lang_option_forces_the_language(answers_file):
    payload = json.loads(run(str(answers_file), "--lang", "en", "--json"))
    assert {a["lang"] for a in payload["answers"]} == {"en"}


def test_codebook_round_trip_keeps_theme_ids(answers_file, tmp_path):
    saved = tmp_path / "codebook.json"
    first = json.loads(run(str(answers_file), "--themes", "3", "--json", "--write-codebook", str(saved)))
    again = json.loads(run(str(answers_file), "--json", "--codebook", str(saved)))
    assert [a["themes"] for a in again["answers"]] == [a["themes"] for a in first["answers"]]


def test_text_output_is_readable(answers_file):
    out = run(str(answers_file), "--themes", "3")
    assert "Themes:" in out and "Answers:" in out and "a0\tvi\t" in out


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (['{"id": 1, "text": "ok"}', "{not json"], "Line 2: not valid JSON"),
        (['{"id": 1, "text": "ok"}', '["a", "b"]'], "Line 2: expected a JSON object"),
        (['{"text": "no id"}'], "Line 1: “id” must be"),
        (['{"id": 1, "text": 5}'], "Line 1: “text” must be a string"),
        (['{"id": 1, "text": "a"}', "", '{"id": 1, "text": "b"}'], "Line 3: the id “1” appears twice"),
        ([""], "The file holds no answers"),
    ],
)
def test_bad_lines_are_refused_with_their_line_number(tmp_path, rows, message):
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(CommandError, match=message):
        run(str(path), "--json")


def test_bad_options_are_refused(answers_file, tmp_path):
    with pytest.raises(CommandError, match="between 2 and 30"):
        run(str(answers_file), "--themes", "1")
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "missing.jsonl"))
    bad_codebook = tmp_path / "cb.json"
    bad_codebook.write_text('{"themes": [{"label": "x"}]}', encoding="utf-8")
    with pytest.raises(CommandError, match="codebook is not valid"):
        run(str(answers_file), "--codebook", str(bad_codebook))
