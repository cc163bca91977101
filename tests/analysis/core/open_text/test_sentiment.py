import pytest

from analysis.core.open_text.pipeline import process_text


def sentiment(text: str):
    return process_text(text).sentiment


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Giao hàng nhanh, đóng gói cẩn thận", "positive"),
        ("giao hang nhanh, dong goi can than", "positive"),  # without diacritics
        ("Sản phẩm tệ, dùng 2 ngày đã hỏng", "negative"),
        ("san pham te, dung 2 ngay da hong", "negative"),
        ("hàng đẹp lắm 😍", "positive"),
        ("Giao hàng bình thường", "neutral"),
        ("Fast delivery and great quality", "positive"),
        ("The package was damaged and the refund took weeks", "negative"),
        ("I usually pay by bank transfer", "neutral"),
    ],
)
def test_labels(text, label):
    assert sentiment(text).label == label


def test_vietnamese_negation_flips_the_opinion():
    assert sentiment("hàng tốt").score > 0
    assert sentiment("hàng không tốt").score < 0
    assert sentiment("hang ko tot").score < 0  # teen code, no diacritics
    assert sentiment("chưa hài lòng với chất lượng").score < 0
    assert sentiment("không có gì để chê").score > 0  # negated complaint


def test_vietnamese_intensifiers_strengthen_and_softeners_weaken():
    plain, strong, soft = (
        sentiment("giao chậm").score,
        sentiment("giao rất chậm").score,
        sentiment("giao hơi chậm").score,
    )
    assert strong < plain < soft < 0


def test_contrast_makes_the_answer_mixed_and_the_last_clause_weigh_more():
    vi = sentiment("Sản phẩm đẹp nhưng giao hàng quá chậm")
    assert vi.label == "mixed"
    assert vi.score < 0  # the clause after "nhưng" counts double
    en = sentiment("The product is great but the delivery was terribly slow")
    assert en.label == "mixed"
    assert en.score < 0


def test_english_domain_words_count():
    assert sentiment("arrived late").score < 0
    assert sentiment("overpriced").score < 0
    assert sentiment("broken on arrival").score < 0


def test_emojis_carry_sentiment_on_their_own():
    assert sentiment("shop 😡😡").label == "negative"
    assert sentiment("shop 🥰").label == "positive"
    assert sentiment("👍👍").label == "positive"


def test_scores_stay_in_range():
    for text in ["rất rất rất tốt tuyệt vời xuất sắc 😍😍😍😍", "tệ tệ tệ kinh khủng lừa đảo 😡😡😡😡"]:
        assert -1.0 <= sentiment(text).score <= 1.0


def test_questions_and_suggestions_are_neutral():
    assert sentiment("Mong shop có thêm mã giảm giá cho khách quen").label == "neutral"
    assert sentiment("Please add a dark mode to the app").label == "neutral"


def test_folds_that_collide_with_common_words_do_not_score():
    # "toi" is "tôi" (I), not "tồi" (bad); "roi" is "rồi", not "rối"; "dat" is "đặt" (order), not "đắt"
    assert sentiment("toi dat hang roi").label == "neutral"
    assert sentiment("tôi đặt hàng rồi").label == "neutral"
    assert sentiment("hàng tồi, giá đắt").label == "negative"
    assert sentiment("chan qua, hang kem qua").label == "negative"  # bare phrases still read


def test_contrast_without_diacritics():
    bare = sentiment("san pham dep nhung giao hang qua cham")
    assert bare.label == "mixed" and bare.score < 0
