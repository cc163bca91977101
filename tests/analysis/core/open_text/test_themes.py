from collections import Counter

import pytest

from analysis.core.open_text.codebook import OTHER_THEME_ID
from analysis.core.open_text.pipeline import analyze_answers


def _main_theme_by_topic(result) -> dict[str, Counter]:
    by_topic: dict[str, Counter] = {}
    for answer in result.answers:
        by_topic.setdefault(answer.id.split("-")[0], Counter())[answer.themes[0]] += 1
    return by_topic


def test_discovery_separates_the_topics_across_languages(answers):
    result = analyze_answers(answers, themes=3)
    by_topic = _main_theme_by_topic(result)
    majority = {topic: counts.most_common(1)[0] for topic, counts in by_topic.items()}
    assert len({theme for theme, _ in majority.values()}) == 3  # one theme per topic
    for _theme, count in majority.values():
        assert count >= 8  # of 10, Vietnamese and English together


def test_number_of_themes_is_chosen_by_silhouette_within_the_range(answers):
    result = analyze_answers(answers, k_range=(2, 6))
    assert result.k in result.k_scores
    assert result.k_scores[result.k] == max(result.k_scores.values())
    assert 2 <= result.k <= 6


def test_each_theme_has_keywords_per_language_and_three_quotes(answers):
    result = analyze_answers(answers, themes=3)
    themes = [t for t in result.themes if t.id != OTHER_THEME_ID]
    assert themes
    delivery = next(t for t in themes if "delivery" in t.keywords.get("en", ()))
    assert any("giao" in word for word in delivery.keywords["vi"])
    assert len(delivery.quotes) == 3
    assert all(q in dict(answers).values() for q in delivery.quotes)
    assert result.themes[-1].id == OTHER_THEME_ID


def test_answers_without_an_aspect_fall_in_other_and_non_answers_get_no_theme(answers):
    result = analyze_answers([*answers, ("x1", "tuyệt vời"), ("x2", "không có")], themes=3)
    by_id = {a.id: a for a in result.answers}
    assert by_id["x1"].themes == (OTHER_THEME_ID,)
    assert by_id["x2"].is_non_answer and by_id["x2"].themes == ()


def test_an_answer_may_carry_several_themes_with_a_sentiment_each(answers):
    result = analyze_answers([*answers, ("both", "giao hàng nhanh nhưng giá quá đắt")], themes=3)
    both = next(a for a in result.answers if a.id == "both")
    assert len(both.themes) == 2
    moods = {m.sentiment.label for m in both.mentions}
    assert moods == {"positive", "negative"}
    assert both.sentiment.label == "mixed"


def test_duplicates_are_flagged_and_share_the_result(answers):
    result = analyze_answers([*answers, ("dup", "  GIAO HÀNG NHANH LẮM ")], themes=3)
    by_id = {a.id: a for a in result.answers}
    assert by_id["dup"].duplicate_of == "delivery-0"
    assert by_id["dup"].themes == by_id["delivery-0"].themes


def test_sentiment_overrides_replace_the_model_label(answers):
    result = analyze_answers(answers, themes=3, sentiment_overrides={"price-0": "positive"})
    answer = next(a for a in result.answers if a.id == "price-0")
    assert answer.sentiment.label == "positive" and answer.sentiment.score > 0
    assert answer.sentiment_source == "analyst"


@pytest.mark.parametrize(
    "options",
    [{"lang": "fr"}, {"themes": 1}, {"k_range": (5, 3)}, {"workers": 0}, {"sentiment_overrides": {"x": "angry"}}],
)
def test_bad_options_are_refused(answers, options):
    with pytest.raises(ValueError):
        analyze_answers(answers, **options)


def test_two_worker_processes_give_the_same_result(answers, monkeypatch):
    from analysis.core.open_text import pipeline

    serial = analyze_answers(answers, themes=3)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_TEXTS", 1)
    parallel = analyze_answers(answers, themes=3, workers=2)
    assert [(a.themes, a.sentiment) for a in parallel.answers] == [(a.themes, a.sentiment) for a in serial.answers]


def test_no_downloading_underthesea_function_is_used(answers, monkeypatch):
    import underthesea

    def refuse(*args, **kwargs):
        raise AssertionError("this underthesea function downloads a model")

    for name in ("sentiment", "classify", "lang_detect", "dependency_parse", "translate"):
        if hasattr(underthesea, name):
            monkeypatch.setattr(underthesea, name, refuse)
    result = analyze_answers([*answers, ("x", "hàng đẹp, giao nhanh, cảm ơn shop")], themes=3)
    assert result.answers[-1].sentiment.label == "positive"
