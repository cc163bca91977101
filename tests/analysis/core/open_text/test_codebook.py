import json

import pytest

from analysis.core.open_text.codebook import (
    OTHER_THEME_ID,
    CodebookError,
    SplitPart,
    apply_edits,
    codebook_from_dict,
    delete_theme,
    merge_themes,
    pin_example,
    rename_theme,
    split_theme,
)
from analysis.core.open_text.pipeline import analyze_answers


def _theme_of(result, answer_id):
    return next(a for a in result.answers if a.id == answer_id).themes[0]


@pytest.fixture
def discovered(answers):
    return analyze_answers(answers, themes=3)


def test_rename_survives_a_rerun_with_new_answers(answers, discovered):
    delivery_id = _theme_of(discovered, "delivery-0")
    codebook = rename_theme(discovered.codebook, delivery_id, "Giao hàng")
    stored = json.loads(json.dumps(codebook.to_dict()))  # as saved between runs
    rerun = analyze_answers([*answers, ("new", "shipper giao hàng chậm quá")], codebook=codebook_from_dict(stored))
    assert _theme_of(rerun, "new") == delivery_id
    assert next(t for t in rerun.themes if t.id == delivery_id).label == "Giao hàng"
    assert [t.id for t in rerun.codebook.themes] == [t.id for t in codebook.themes]  # ids stable


def test_merge_keeps_the_first_id_and_retires_the_other(answers, discovered):
    price_id, service_id = _theme_of(discovered, "price-0"), _theme_of(discovered, "service-0")
    codebook = merge_themes(discovered.codebook, [price_id, service_id], label="Giá & nhân viên")
    result = analyze_answers(answers, codebook=codebook)
    assert _theme_of(result, "service-0") == price_id
    assert service_id not in {t.id for t in result.themes}


def test_delete_sends_answers_to_other_and_the_theme_does_not_come_back(answers, discovered):
    price_id = _theme_of(discovered, "price-0")
    codebook = delete_theme(discovered.codebook, price_id)
    result = analyze_answers(answers, codebook=codebook, discover_new=True)
    assert _theme_of(result, "price-0") == OTHER_THEME_ID
    assert price_id not in {t.id for t in result.themes}


def test_split_by_keyword_rules_gives_new_ids(answers, discovered):
    delivery_id = _theme_of(discovered, "delivery-0")
    codebook = split_theme(
        discovered.codebook,
        delivery_id,
        [SplitPart("Shipper", rules=("shipper", "courier")), SplitPart("Tốc độ giao", rules=("giao", "delivery"))],
    )
    result = analyze_answers(answers, codebook=codebook)
    shipper = _theme_of(result, "delivery-2")  # "shipper giao trễ ba ngày": both parts' rules match
    assert shipper not in {t.id for t in discovered.codebook.themes}
    assert {shipper, _theme_of(result, "delivery-1")} <= {t.id for t in codebook.active_themes}


def test_keyword_rules_match_text_without_diacritics(answers, discovered):
    codebook = apply_edits(discovered.codebook, [{"op": "add", "label": "Đổi trả", "rules": ["đổi trả"]}])
    result = analyze_answers([*answers, ("r", "doi tra rac roi qua")], codebook=codebook)
    new_id = codebook.themes[-1].id
    assert _theme_of(result, "r") == new_id


def test_pinned_examples_pull_similar_answers(answers, discovered):
    codebook = apply_edits(discovered.codebook, [{"op": "add", "label": "App", "pinned": ["app bị lỗi đăng nhập"]}])
    codebook = pin_example(codebook, codebook.themes[-1].id, "the app crashes at login")
    result = analyze_answers([*answers, ("a", "ứng dụng lỗi hoài, đăng nhập không được")], codebook=codebook)
    assert _theme_of(result, "a") == codebook.themes[-1].id


def test_bad_edits_are_refused_and_change_nothing(discovered):
    codebook = discovered.codebook
    with pytest.raises(CodebookError):
        rename_theme(codebook, "T99", "x")
    with pytest.raises(CodebookError):
        rename_theme(codebook, codebook.themes[0].id, "   ")
    with pytest.raises(CodebookError):
        merge_themes(codebook, [codebook.themes[0].id])
    with pytest.raises(CodebookError):
        apply_edits(codebook, [{"op": "explode"}])
    with pytest.raises(CodebookError):
        codebook_from_dict({"themes": [{"label": "no id"}]})
    assert codebook == discovered.codebook
