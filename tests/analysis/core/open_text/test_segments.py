import pytest

from analysis.core.open_text.segments import (
    SegmentError,
    benjamini_hochberg,
    compare_themes_across_segments,
    nps_segment,
    two_proportion_test,
)


def test_benjamini_hochberg_matches_hand_computed_values():
    # p sorted: 0.01, 0.02, 0.03, 0.04, 0.20 (m = 5) → p·m/rank = .05, .05, .05, .05, .20
    assert benjamini_hochberg([0.04, 0.01, 0.20, 0.03, 0.02]) == pytest.approx([0.05, 0.05, 0.20, 0.05, 0.05])
    # monotone step-up: q for p=0.04 (rank 3 of 3) is 0.04, earlier ranks take the minimum after them
    assert benjamini_hochberg([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])


def test_two_proportion_test_matches_a_known_value():
    z, p = two_proportion_test(60, 100, 40, 100)  # pooled 0.5, se = sqrt(.25 * .02) = 0.0707
    assert z == pytest.approx(2.8284, abs=1e-4)
    assert p == pytest.approx(0.004678, abs=1e-5)


def test_theme_by_segment_share_lift_and_bh_family():
    themes, segments = {}, {}
    for i in range(100):  # detractors complain about delivery far more often
        themes[f"d{i}"] = ["T1"] if i < 60 else ["T2"]
        segments[f"d{i}"] = "detractor"
    for i in range(100):
        themes[f"p{i}"] = ["T1"] if i < 20 else ["T2"]
        segments[f"p{i}"] = "promoter"
    for i in range(10):  # a tiny segment is reported but not tested
        themes[f"x{i}"] = ["T1"]
        segments[f"x{i}"] = "passive"
    table = compare_themes_across_segments(themes, segments, min_n=30)
    cell = next(c for c in table.cells if c.theme_id == "T1" and c.segment == "detractor")
    assert cell.share == pytest.approx(0.6)
    assert cell.share_rest == pytest.approx(30 / 110)
    assert cell.lift == pytest.approx(0.6 / (30 / 110))
    assert cell.is_tested and cell.is_significant
    passive = [c for c in table.cells if c.segment == "passive"]
    assert passive and not any(c.is_tested for c in passive) and all(c.q_value is None for c in passive)
    assert table.family_size == 4  # 2 themes × 2 tested segments
    tested = [c for c in table.cells if c.is_tested]
    assert [c.q_value for c in tested] == pytest.approx(benjamini_hochberg([c.p_value for c in tested]))


def test_no_segment_at_all_is_refused():
    with pytest.raises(SegmentError):
        compare_themes_across_segments({"a": ["T1"]}, {})


def test_nps_groups():
    assert [nps_segment(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]
    with pytest.raises(ValueError, match="0 to 10"):
        nps_segment(11)
