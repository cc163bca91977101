import unicodedata

import pytest

from surveys.core.linter import QuestionInput, detect_language, lint_question
from surveys.core.linter.text import canonical_tones, fold, prepare


def test_fold_strips_diacritics_one_character_per_character():
    assert fold("Đánh giá Tuyệt Vời") == "danh gia tuyet voi"
    assert len(fold("Đánh giá")) == len("Đánh giá")


def test_old_and_new_tone_placement_share_one_matching_key():
    assert canonical_tones("hoà thuý khoẻ") == canonical_tones("hòa thúy khỏe")
    assert canonical_tones("hoàn quý") == "hoàn quý"


def test_decomposed_input_maps_back_to_original_offsets():
    decomposed = unicodedata.normalize("NFD", "Bạn có thích")
    prepared = prepare(decomposed)
    start = prepared.normalised.index("có")
    original_start, original_end = prepared.original_span(start, start + 2)
    assert unicodedata.normalize("NFC", decomposed[original_start:original_end]) == "có"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bạn có hài lòng không?", "vi"),
        ("Ban co hai long voi san pham cua chung toi khong?", "vi"),
        ("Are you satisfied with our product?", "en"),
        ("How would you rate the UX?", "en"),
    ],
)
def test_detects_language_from_letters_then_cue_words(text, language):
    assert detect_language(text) == language


def test_spans_point_at_the_flagged_word_in_composed_text():
    text = "Bạn có thích website mới tuyệt vời của chúng tôi không?"
    finding = next(f for f in lint_question(QuestionInput(text=text)) if f.rule == "leading_evaluative_word")
    assert text[finding.start : finding.end] == "tuyệt vời"


def test_spans_point_at_the_flagged_word_in_decomposed_text():
    text = unicodedata.normalize("NFD", "Bạn có thích website mới tuyệt vời của chúng tôi không?")
    finding = next(f for f in lint_question(QuestionInput(text=text)) if f.rule == "leading_evaluative_word")
    assert unicodedata.normalize("NFC", text[finding.start : finding.end]) == "tuyệt vời"
    assert finding.end < len(text)


def test_vietnamese_typed_without_diacritics_is_still_linted():
    findings = lint_question(QuestionInput(text="Ban co thich website moi tuyet voi cua chung toi khong?"))
    assert "leading" in {f.category for f in findings}


def test_english_words_never_match_folded_vietnamese_entries():
    # "no" folds like "nợ" (debt); English text must not be read as asking about debt.
    findings = lint_question(QuestionInput(text="Which of these apps do you use?", options=("Yes", "No", "Maybe")))
    assert not [f for f in findings if f.category == "missing_opt_out"]


def test_rejects_input_that_is_not_text():
    with pytest.raises(ValueError, match="text"):
        QuestionInput(text=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lang"):
        QuestionInput(text="Hello?", lang="fr")
    with pytest.raises(ValueError, match="options"):
        QuestionInput(text="Hello?", options=["a", "b"])  # type: ignore[arg-type]
