from dataclasses import replace

from surveys.core.questionnaire import PageSpec, QuestionSpec, QuestionType, SurveySpec, Text
from surveys.core.versions import ChangeKind, diff_surveys

A = QuestionSpec("a", QuestionType.SHORT_TEXT, Text(vi="A"))
B = QuestionSpec("b", QuestionType.NPS, Text(vi="B"))
C = QuestionSpec("c", QuestionType.DATE, Text(vi="C"))


def spec(*questions: QuestionSpec, title: str = "S") -> SurveySpec:
    return SurveySpec(title=Text(vi=title), pages=(PageSpec("p1", questions=questions),))


def test_identical_snapshots_have_an_empty_diff():
    assert diff_surveys(spec(A, B), spec(A, B)).is_empty


def test_added_removed_and_changed_questions_are_reported_by_key():
    changed_b = replace(B, text=Text(vi="B mới"), required=True)
    diff = diff_surveys(spec(A, B), spec(changed_b, C))
    kinds = {change.key: change.kind for change in diff.questions}
    assert kinds == {"a": ChangeKind.REMOVED, "b": ChangeKind.CHANGED, "c": ChangeKind.ADDED}
    fields = {f.field: (f.before, f.after) for f in next(c for c in diff.questions if c.key == "b").fields}
    assert fields == {"text": ({"vi": "B"}, {"vi": "B mới"}), "required": (False, True)}


def test_reordering_is_a_move_and_title_change_is_a_survey_field():
    diff = diff_surveys(spec(A, B), spec(B, A, title="T"))
    assert {c.kind for c in diff.questions} == {ChangeKind.MOVED}
    assert [f.field for f in diff.survey_fields] == ["title"]
