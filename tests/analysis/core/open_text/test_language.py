import pytest

from analysis.core.open_text.language import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "giao hàng nhanh, đóng gói cẩn thận",
        "giao hang nhanh, dong goi can than",  # no diacritics: cue words
        "sp ko dc nhu hinh",  # teen code
        "nv tu van nhiet tinh lam",
    ],
)
def test_vietnamese_with_or_without_diacritics(text):
    assert detect_language(text).lang == "vi"


@pytest.mark.parametrize("text", ["The delivery was late again", "great quality, fast shipping", "app keeps crashing"])
def test_english(text):
    assert detect_language(text).lang == "en"


def test_mixed_answer_keeps_both_shares():
    guess = detect_language("ship nhanh lắm, but the packaging was damaged and the box was crushed")
    assert guess.is_mixed
    assert 0.2 <= guess.vi_share <= 0.8
    assert guess.vi_share + guess.en_share == pytest.approx(1.0)


def test_unrecognised_words_fall_back_to_py3langid_restricted_to_vi_and_en():
    assert detect_language("Bonjour").lang in {"vi", "en"}
