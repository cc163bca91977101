"""Quality of discovered themes: keywords, merging of split themes, quotes and labels.

Each test runs on small bilingual answers written for it (not the demo data): answers that switch
language, Vietnamese typed without diacritics, answers repeated with a different ending.
"""

import numpy as np
import pytest
from scipy import sparse

from analysis.core.open_text.codebook import OTHER_THEME_ID
from analysis.core.open_text.keywords import display_candidates, theme_label
from analysis.core.open_text.normalization import fold_accents, has_vietnamese_letters
from analysis.core.open_text.pipeline import analyze_answers, process_text, quote_tokens
from analysis.core.open_text.themes import merge_near_duplicates

# One concept (delivery) written three ways, next to two other topics, plus answers that switch
# language mid-way and carry a Vietnamese particle or thanks after an English sentence.
DELIVERY_VI = [
    "Giao hàng chậm quá, đợi cả tuần",
    "Thời gian giao hàng lâu, mong shop cải thiện",
    "Shipper giao hàng trễ hẹn hai lần",
    "Giao hàng về huyện rất lâu",
    "Giao hàng nhanh, đóng cửa vẫn giao tận nơi",
    "Shipper gọi trước khi giao hàng, rất tiện",
]
DELIVERY_BARE = [
    "giao hang cham qua, doi ca tuan",
    "ship ve que mat gan mot tuan",
    "shipper giao tre hen hoai",
    "thoi gian giao hang lau qua",
    "ship cham, shipper khong goi truoc",
    "giao hang lau, ship ve tinh cham",
]
DELIVERY_EN = [
    "Delivery took more than a week",
    "The delivery was late again",
    "Fast delivery, the courier called ahead",
    "Delivery to my village takes too long",
    "The courier left the parcel at the gate",
    "Delivery was two days late",
]
PRICE = [
    "Giá hơi cao so với chỗ khác",
    "Giá tăng liên tục, mong có mã giảm giá",
    "gia dat qua, ben khac re hon",
    "Prices are too high for what you get",
    "More discounts for loyal customers please",
    "The price went up again this month",
]
STAFF = [
    "Nhân viên chăm sóc khách hàng thái độ không tốt",
    "Nhân viên tư vấn trả lời tin nhắn chậm",
    "nv cskh thai do ko tot, hoi may lan ko tra loi",
    "Customer service never replied to my request",
    "Staff are friendly, keep it up",
    "The support agent was rude on the phone",
]
APP = [
    "App hay bị lỗi khi thanh toán",
    "App load chậm, hay bị đơ",
    "app hay bi vang ra, kho dung qua",
    "The app crashes at checkout",
    "The app is slow to load",
    "The app keeps logging me out",
]
# Answers that name no aspect and share only function words and wishes.
FILLER = [
    "Please keep it up",
    "Keep up the good work please",
    "Maybe next time, thanks",
    "Mong shop phát triển hơn nữa nhé",
    "Chúc shop buôn may bán đắt",
    "shop co gang len nhe",
    "Thanks, please keep it up nha shop",
    "Cảm ơn shop nhiều nhé",
]
MIXED = [
    "More discounts for loyal customers please nhé",
    "Staff are friendly, keep it up. Cảm ơn shop",
    "Delivery took more than a week. Nhân viên tư vấn nhiệt tình",
    "The support agent was rude. giao hang cham qua",
    "Prices are too high. Giao hàng chậm quá",
    "Maybe add more payment options, please keep it up nha shop",
]


def _answers() -> list[tuple[str, str]]:
    groups = {
        "dvi": DELIVERY_VI,
        "dbare": DELIVERY_BARE,
        "den": DELIVERY_EN,
        "price": PRICE,
        "staff": STAFF,
        "app": APP,
        "filler": FILLER,
        "mixed": MIXED,
    }
    return [(f"{name}-{i}", text) for name, texts in groups.items() for i, text in enumerate(texts)]


@pytest.fixture(scope="module")
def result():
    return analyze_answers(_answers())


def _themes(result):
    return [t for t in result.themes if t.id != OTHER_THEME_ID]


# --- 1. keywords come from answers in their own language, accented where anyone wrote accents ---


def test_an_answer_that_switches_language_is_read_sentence_by_sentence():
    processed = process_text("Delivery took more than a week. Nhân viên tư vấn nhiệt tình")
    assert [c.lang for c in processed.clauses] == ["en", "vi"]
    processed = process_text("giao hang cham qua, ship ve que. The support agent was rude")
    assert {c.lang for c in processed.clauses} == {"vi", "en"}
    assert processed.clauses[-1].lang == "en"
    # an English sentence ending with a Vietnamese particle stays English, its terms English words
    processed = process_text("More discounts for loyal customers please nhé")
    assert {c.lang for c in processed.clauses} == {"en"}
    assert not any(t == "nh" or has_vietnamese_letters(t) for terms in processed.clause_terms for t in terms)


@pytest.mark.parametrize(
    "text", ["Staff are friendly, keep it up. Giao hàng chậm quá", "Giao hàng chậm quá. The staff were very helpful"]
)
def test_each_sentence_is_scored_in_its_own_language(text):
    # praise in one language and a complaint in the other: both heard
    assert process_text(text).sentiment.label == "mixed"


def test_keywords_of_each_language_come_from_answers_in_that_language(result):
    english_words = {w.lower() for t in DELIVERY_EN + PRICE[3:] + STAFF[3:] for w in t.replace(",", " ").split()}
    for theme in _themes(result):
        for word in theme.keywords.get("vi", ()):
            assert not set(word.split()) <= english_words - {"ship", "shipper"}, (theme.label, word)
        for word in theme.keywords.get("en", ()):
            # no folded Vietnamese ("giao hang", "gia") among the English keywords
            assert not word.isascii() or fold_accents(word) not in {"giao hang", "gia", "ship ve", "nhan vien"}
            assert word.isascii(), (theme.label, word)


def test_vietnamese_keywords_are_shown_with_their_diacritics(result):
    vi_words = [w for t in _themes(result) for w in t.keywords.get("vi", ())]
    assert "giao hàng" in vi_words
    # a folded form is never shown, in any language, where an accented spelling was written
    written = {fold_accents(w) for w in vi_words if has_vietnamese_letters(w)} | {"thoi gian", "nhan vien"}
    for theme in _themes(result):
        for words in theme.keywords.values():
            assert not [w for w in words if not has_vietnamese_letters(w) and w in written], theme.keywords


# --- 2. no keyword straddling two words, no stop word, no opinion word, no stemming stub --------


@pytest.mark.parametrize(
    ("text", "junk"),
    [
        ("Nhân viên chăm sóc khách hàng thái độ không tốt", {"hàng thái", "sóc khách", "hang thai"}),
        ("Thời gian giao hàng lâu quá", {"gian giao", "gian"}),
        ("Tìm sản phẩm trên app rất khó", {"tìm sản", "tim san"}),
        ("Đóng gói sơ sài, hộp bị móp", {"gói sơ", "sơ sài"}),
    ],
)
def test_vietnamese_display_words_are_whole_words(text, junk):
    shown = {surface for clause in process_text(text).clauses for _key, surface in display_candidates(clause)}
    assert shown and not shown & junk, shown


def test_english_display_words_skip_stop_and_opinion_words_and_keep_the_written_form():
    shown = {
        surface
        for text in ("The app crashes at checkout", "Staff are friendly, keep it up", "Maybe add more, please!")
        for clause in process_text(text).clauses
        for _key, surface in display_candidates(clause)
    }
    assert "app crashes" in shown and "crashe" not in " ".join(shown).split()
    assert not shown & {"are", "up", "keep", "maybe", "add", "please", "friendly", "staff are", "maybe add"}


def test_theme_keywords_hold_no_function_or_opinion_words(result):
    banned = {"so", "in", "are", "up", "keep", "maybe", "please", "nha", "nhé", "add", "nhanh", "chậm", "fast", "late"}
    for theme in _themes(result):
        for words in theme.keywords.values():
            for word in words:
                assert not set(word.split()) & banned, (theme.label, word)


# --- 3. one theme per concept, whatever the language or spelling; no theme of function words ----


def test_a_concept_written_in_three_ways_is_one_theme(result):
    by_id = {a.id: a for a in result.answers}
    delivery = [by_id[f"{group}-{i}"].themes[0] for group in ("dvi", "dbare", "den") for i in range(6)]
    # one theme holds (nearly) all 18, in accented and bare Vietnamese and in English
    main = max(set(delivery), key=delivery.count)
    assert main != OTHER_THEME_ID
    assert delivery.count(main) >= 15  # of 18
    assert sum(1 for t in _themes(result) if "delivery" in t.keywords.get("en", ())) == 1


def test_many_clusters_asked_for_still_give_one_theme_per_concept():
    # k-means with 8 clusters splits delivery by spelling; the split clusters are merged back
    result = analyze_answers(_answers(), k_range=(8, 8))
    by_id = {a.id: a for a in result.answers}
    delivery = [by_id[f"{group}-{i}"].themes[0] for group in ("dvi", "dbare", "den") for i in range(6)]
    assert max(delivery.count(t) for t in set(delivery)) >= 15, delivery
    names_delivery = {"giao hàng", "giao hang", "ship", "shipper", "delivery", "courier"}
    assert sum(1 for t in _themes(result) if names_delivery & {w for ws in t.keywords.values() for w in ws}) == 1


def test_no_theme_is_made_of_function_words(result):
    function_words = {"please", "keep", "up", "maybe", "thanks", "next", "time", "mong", "shop", "nhé", "nha"}
    for theme in _themes(result):
        assert theme.keywords, theme.label
        for words in theme.keywords.values():
            assert not set(words[0].split()) & function_words, theme.keywords
    by_id = {a.id: a for a in result.answers}
    fillers = [by_id[f"filler-{i}"].themes for i in range(len(FILLER))]
    assert sum(1 for themes in fillers if themes == (OTHER_THEME_ID,)) >= len(FILLER) - 2, fillers


def test_near_duplicate_clusters_are_merged_by_concept_or_centroid():
    # columns: @delivery, "giao hang", "delivery", "gia", "price", "@price"
    rows = sparse.csr_matrix(
        np.array(
            [
                [1, 1, 0, 0, 0, 0],
                [1, 1, 0, 0, 0, 0],
                [1, 0, 1, 0, 0, 0],
                [1, 0, 1, 0, 0, 0],
                [0, 0, 0, 1, 1, 0],
                [0, 0, 0, 1, 1, 0],
                [0, 0, 0, 1, 0.9, 0],
            ],
            dtype=np.float32,
        )
    )
    labels = np.array([0, 0, 1, 1, 2, 2, 3])
    centers = np.array(
        [[0.7, 0.7, 0, 0, 0, 0], [0.7, 0, 0.7, 0, 0, 0], [0, 0, 0, 0.7, 0.7, 0], [0, 0, 0, 0.74, 0.67, 0]]
    )
    merged, new_centers = merge_near_duplicates(rows, labels, centers, np.array([0, 5]))
    assert merged[0] == merged[2] != merged[4]  # same concept: one theme
    assert merged[4] == merged[6]  # near-identical centroids: one theme
    assert new_centers.shape[0] == 2
    assert np.allclose(np.linalg.norm(new_centers, axis=1), 1.0)


# --- 4. quotes --------------------------------------------------------------------------------


def test_quotes_are_not_near_duplicates_of_each_other():
    base = [
        "Giao hàng chậm quá, đặt 5 ngày mới nhận được",
        "Giao hàng chậm quá, đặt 5 ngày mới nhận được nhé",
        "Giao hàng chậm quá, đặt 5 ngày mới nhận được 😊",
        "Giao hàng chậm quá, đặt 5 ngày mới nhận được. Cảm ơn shop",
        "shipper giao trễ hẹn, gọi không nghe máy",
        "The delivery was a week late",
        "The delivery was a week late!",
        "Delivery to the countryside takes forever",
    ]
    answers = [(f"d{i}", t) for i, t in enumerate(base)] + [(f"o{i}", t) for i, t in enumerate(PRICE + STAFF)]
    result = analyze_answers(answers)
    delivery = next(t for t in _themes(result) if "delivery" in t.keywords.get("en", ()))
    assert len(delivery.quotes) == 3
    tokens = [quote_tokens(q) for q in delivery.quotes]
    for i in range(3):
        for j in range(i + 1, 3):
            assert len(tokens[i] & tokens[j]) / len(tokens[i] | tokens[j]) < 0.6, delivery.quotes


# --- 5. labels --------------------------------------------------------------------------------


def test_a_label_says_the_same_word_once():
    assert theme_label({"vi": ["app", "web"], "en": ["app", "account"]}, "?") == "app"
    assert theme_label({"vi": ["giao hàng"], "en": ["delivery"]}, "?") == "giao hàng / delivery"
    assert theme_label({"en": ["Plastic"], "vi": ["plastic"]}, "?") == "plastic"
    assert theme_label({}, "fallback") == "fallback"


def test_discovered_labels_are_one_keyword_per_language_and_never_repeat(result):
    app = next(t for t in _themes(result) if "app" in t.label)
    assert app.label == "app"  # both languages call it "app": said once
    for theme in _themes(result):
        parts = theme.label.split(" / ")
        assert len({fold_accents(p).lower() for p in parts}) == len(parts), theme.label
        expected = [theme.keywords[lang][0] for lang in ("vi", "en") if theme.keywords.get(lang)]
        assert parts[0] == expected[0]
