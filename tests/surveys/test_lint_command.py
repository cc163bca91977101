"""``manage.py lint_questions FILE.jsonl``: JSON Lines in, JSON Lines out, all or nothing."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

LEADING_VI = "Bạn có thích website mới tuyệt vời của chúng tôi không?"


def run(path_or_dash, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("lint_questions", str(path_or_dash), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, *lines):
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_prints_one_object_per_question_in_input_order(tmp_path):
    path = write(
        tmp_path,
        json.dumps({"id": "a1", "text": LEADING_VI}, ensure_ascii=False),
        "",
        json.dumps(
            {
                "id": 2,
                "text": "How old are you?",
                "options": ["16-22", "22-28", "29 or older"],
                "type": "single_choice",
                "lang": "en",
            }
        ),
        json.dumps({"id": "clean", "text": "Bạn đánh giá thế nào về cửa hàng của chúng tôi?"}, ensure_ascii=False),
    )

    out, err = run(path)

    rows = [json.loads(line) for line in out.splitlines()]
    assert err == ""
    assert [row["id"] for row in rows] == ["a1", 2, "clean"]
    assert [row["lang"] for row in rows] == ["vi", "en", "vi"]
    leading = next(f for f in rows[0]["findings"] if f["rule"] == "leading_evaluative_word")
    assert {"rule", "category", "severity", "start", "end", "message", "suggestion"} <= set(leading)
    assert LEADING_VI[leading["start"] : leading["end"]] == "tuyệt vời"
    assert leading["suggestion"]["questions"]
    overlap = next(f for f in rows[1]["findings"] if f["rule"] == "overlapping_ranges")
    assert overlap["option_index"] == 1
    assert overlap["severity"] == "error"
    assert rows[2]["findings"] == []


def test_output_keeps_vietnamese_letters_readable(tmp_path):
    out, _ = run(write(tmp_path, json.dumps({"id": 1, "text": LEADING_VI})))

    assert "tuyệt vời" in out


def test_reads_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"id": 1, "text": "Do you always shop here?"}) + "\n"))

    out, _ = run("-")

    assert json.loads(out)["findings"][0]["rule"] == "absolute_word"


def test_messages_in_the_chosen_language(tmp_path):
    path = write(tmp_path, json.dumps({"id": 1, "text": LEADING_VI}))

    english = json.loads(run(path)[0])["findings"][0]["message"]
    vietnamese = json.loads(run(path, "--language", "vi")[0])["findings"][0]["message"]

    assert english != vietnamese


def test_bad_lines_are_all_reported_and_nothing_is_printed(tmp_path):
    path = write(
        tmp_path,
        json.dumps({"id": 1, "text": "Fine?"}),
        "{not json",
        json.dumps({"text": "No id"}),
        json.dumps({"id": 3, "text": "Q?", "options": "a, b"}),
        json.dumps({"id": 4, "text": "Q?", "lang": "fr"}),
        json.dumps({"id": 5, "text": "Q?", "type": "essay"}),
        json.dumps({"id": 6, "text": "Q?", "colour": "red"}),
        json.dumps([1, 2]),
        json.dumps({"id": True, "text": "Q?"}),
    )
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="8 bad line"):
        call_command("lint_questions", str(path), stdout=out, stderr=err)

    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in range(2, 10)]
    assert "not valid JSON" in lines[0]
    assert "“id”" in lines[1]
    assert "“options”" in lines[2]
    assert "“lang”" in lines[3]
    assert "“type”" in lines[4]
    assert "colour" in lines[5]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.jsonl")


def test_non_utf8_file_is_a_clear_error(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": 1, "text": "Caf\xe9?"}\n'.encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        run(path)
