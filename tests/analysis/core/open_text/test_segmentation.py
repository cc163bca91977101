import socket

import pytest
from pytest_socket import SocketConnectBlockedError

from analysis.core.open_text.segmentation import aspect_terms, segment_vietnamese, split_clauses, tokenize_english


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_word_segmentation_runs_offline_and_keeps_domain_phrases():
    # pytest-socket blocks the network for the whole suite; check it really is blocked here.
    with pytest.raises(SocketConnectBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("1.1.1.1", 80))
    words = segment_vietnamese("phí ship hơi cao, chăm sóc khách hàng không tốt")
    assert "phí ship" in words
    assert "chăm sóc khách hàng" in words


def test_clauses_split_at_contrast_and_mark_what_follows():
    clauses = split_clauses(segment_vietnamese("sản phẩm đẹp nhưng giao hàng chậm"), "vi")
    assert [c.follows_contrast for c in clauses] == [False, True]
    assert clauses[1].words == ("giao hàng", "chậm")
    english = split_clauses(tokenize_english("Great quality, but the delivery was late"), "en")
    assert [c.follows_contrast for c in english] == [False, True]


def test_answers_without_diacritics_share_theme_features_with_accented_ones():
    accented = split_clauses(segment_vietnamese("giao hàng chậm quá"), "vi")[0]
    bare = split_clauses(segment_vietnamese("giao hang cham qua"), "vi")[0]
    assert "giao hang" in aspect_terms(accented, "vi")
    assert "giao hang" in aspect_terms(bare, "vi")
    assert "@delivery" in aspect_terms(bare, "vi")


def test_opinion_words_are_not_theme_features():
    clause = split_clauses(tokenize_english("terrible slow delivery"), "en")[0]
    terms = aspect_terms(clause, "en")
    assert "delivery" in terms
    assert "terrible" not in terms and "slow" not in terms


def test_concepts_bridge_the_two_languages():
    vi = split_clauses(segment_vietnamese("đổi trả rắc rối"), "vi")[0]
    en = split_clauses(tokenize_english("the refund took a month"), "en")[0]
    assert "@returns" in aspect_terms(vi, "vi")
    assert "@returns" in aspect_terms(en, "en")


def test_ambiguous_folds_name_a_concept_only_with_their_accents():
    ordering = split_clauses(segment_vietnamese("tôi đặt hàng hôm qua"), "vi")[0]
    assert "@price" not in aspect_terms(ordering, "vi")  # "đặt" (order) is not "đắt" (expensive)
    pricey = split_clauses(segment_vietnamese("áo này đắt"), "vi")[0]
    assert "@price" in aspect_terms(pricey, "vi")
