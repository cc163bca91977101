import pytest

from analysis.core.open_text.normalization import (
    clean_text,
    expand_teen_code,
    find_duplicates,
    fold_accents,
    has_vietnamese_letters,
    is_non_answer,
    normalize_vietnamese,
    shorten_repeated_letters,
)


def test_fold_accents_removes_every_vietnamese_mark_and_d_bar():
    assert (
        fold_accents("Giao hàng ĐÚNG hẹn, nhân viên rất nhiệt tình") == "giao hang dung hen, nhan vien rat nhiet tinh"
    )
    assert fold_accents("ưởợữ") == "uoou"


def test_nfc_and_decomposed_input_give_the_same_text():
    decomposed = "ha\u0300ng đe\u0323p"  # "hàng đẹp" typed with combining marks
    assert clean_text(decomposed).text == clean_text("hàng đẹp").text == "hàng đẹp"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("đẹp quáaaa", "đẹp quá"), ("ngonnnn", "ngon"), ("sooo slow", "so slow"), ("goooood", "good"), ("tốt", "tốt")],
)
def test_repeated_letters_are_shortened(raw, expected):
    assert shorten_repeated_letters(raw) == expected


def test_urls_are_dropped_and_emojis_kept_aside_as_sentiment_cues():
    cleaned = clean_text("Hàng ĐẸP 😍😍 xem https://shop.vn/sp/123 =))")
    assert cleaned.text == "hàng đẹp xem"
    assert cleaned.emojis == ("😍", "😍", "=))")


def test_teen_code_map_expands_common_abbreviations():
    assert expand_teen_code("sp ok, nv ko nhiệt tình, dc cái ship nhanh") == (
        "sản phẩm ok, nhân viên không nhiệt tình, được cái ship nhanh"
    )
    assert expand_teen_code("đc 50k") == "được 50k"  # "k" inside "50k" is not "không"


def test_normalize_vietnamese_uses_underthesea_tone_placement():
    assert normalize_vietnamese("hoà bình, thuỷ tinh") == "hòa bình , thủy tinh"


@pytest.mark.parametrize(
    "raw", ["không có", "Không có gì.", "n/a", "N/A", ".", "...", "ko", "nothing", "  ", "không ý kiến"]
)
def test_non_answers_are_flagged(raw):
    assert is_non_answer(raw)


@pytest.mark.parametrize("raw", ["không có gì để chê", "ko giao đúng hẹn", "nothing arrived", "ok", "👍", ":("])
def test_real_answers_are_not_non_answers(raw):
    assert not is_non_answer(raw)


def test_exact_duplicates_point_at_the_first_copy_ignoring_case_and_spacing():
    assert find_duplicates(["Giao nhanh", "giao  nhanh ", "giao chậm", "GIAO NHANH"]) == [None, 0, None, 0]


def test_vietnamese_letters_are_recognised():
    assert has_vietnamese_letters("giao hàng")
    assert not has_vietnamese_letters("giao hang nhanh")
