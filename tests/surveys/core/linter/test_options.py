import pytest

from surveys.core.linter import QuestionInput, lint_question


def findings(text: str, options: tuple[str, ...], type: str | None = "single_choice"):
    return lint_question(QuestionInput(text=text, options=options, type=type))


def rules(text: str, options: tuple[str, ...], type: str | None = "single_choice") -> set[str]:
    return {f.rule for f in findings(text, options, type)}


def test_seed_age_bands_overlap_at_each_shared_end():
    options = ("16 - 22 tuổi", "22 - 28 tuổi", "28 - 35 tuổi", "35 - 45 tuổi", "Trên 45 tuổi")
    overlaps = [f for f in findings("Độ tuổi của bạn?", options) if f.rule == "overlapping_ranges"]
    assert [f.option_index for f in overlaps] == [1, 2, 3]
    assert all(f.severity.value == "error" for f in overlaps)
    assert "22" in overlaps[0].message.render()


def test_shared_amount_in_million_bands_overlaps():
    assert "overlapping_ranges" in rules("Thu nhập của bạn?", ("3–5 triệu", "5–10 triệu", "Không muốn trả lời"))


@pytest.mark.parametrize(
    "options",
    [
        ("Dưới 5 triệu", "5 – dưới 10 triệu", "10 – dưới 20 triệu", "Từ 20 triệu trở lên", "Không muốn trả lời"),
        ("Under $25,000", "$25,000–$49,999", "$50,000–$74,999", "$75,000 or more", "Prefer not to say"),
    ],
)
def test_half_open_and_whole_unit_bands_are_clean(options):
    assert rules("What is your household income?", options) == set()


def test_ages_in_whole_years_leave_no_gap():
    options = ("18–24", "25–34", "35–44", "45–54", "55–64", "65 or older", "Prefer not to say")
    assert rules("What is your age?", options) == set()


def test_a_gap_between_bands_is_flagged():
    options = ("Dưới 5 triệu", "6 - 10 triệu", "Trên 10 triệu", "Không muốn trả lời")
    assert rules("Thu nhập của bạn?", options) == {"range_gap"}


def test_missing_lowest_and_highest_bands_are_flagged():
    hits = [
        f
        for f in findings("Bạn chi bao nhiêu cho cà phê?", ("200k - 500k", "500k - 1 triệu"))
        if f.rule == "range_missing_end"
    ]
    assert [f.option_index for f in hits] == [0, 1]


def test_rating_scale_points_are_not_read_as_ranges():
    assert rules("Rate us", ("1", "2", "3", "4", "5"), type="rating") == set()


def test_sensitive_demographics_need_prefer_not_to_say():
    hit = next(
        f
        for f in findings("Bạn bao nhiêu tuổi?", ("18-24", "25-34", "35 trở lên"))
        if f.rule == "missing_opt_out_sensitive"
    )
    assert hit.suggestion.options[-1] == "Không muốn trả lời"


def test_attitude_questions_are_not_asked_for_dont_know():
    options = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")
    assert rules("Prices at the store are fair.", options, type="rating") == set()


def test_list_of_channels_without_other_gets_info_and_a_suggestion():
    hit = next(f for f in findings("How did you hear about us?", ("Google", "Facebook", "A friend")))
    assert (hit.rule, hit.severity.value) == ("missing_other_option", "info")
    assert hit.suggestion.options[-1] == "Other (please specify)"


def test_closed_lists_that_are_not_open_sets_need_no_other():
    assert rules("Which plan did you choose?", ("Basic", "Standard", "Premium")) == set()


def test_duplicate_options_ignore_case_and_diacritics():
    hits = [
        f
        for f in findings("Which card?", ("Credit card", "Debit card", "Credit Card", "Other"))
        if f.rule == "duplicate_options"
    ]
    assert [f.option_index for f in hits] == [2]
    assert hits[0].suggestion.options == ("Credit card", "Debit card", "Other")
    assert "duplicate_options" in rules("Kênh nào?", ("Chuyển khoản", "Tiền mặt", "chuyen khoan", "Khác"))


@pytest.mark.parametrize(
    "options",
    [
        ("Very satisfied", "Satisfied", "Somewhat satisfied", "Dissatisfied"),
        ("Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"),
        ("Tuyệt vời", "Rất tốt", "Tốt", "Bình thường", "Kém"),
    ],
)
def test_more_positive_than_negative_points_is_unbalanced(options):
    assert "unbalanced_scale" in rules("How satisfied are you?", options)


@pytest.mark.parametrize(
    "options",
    [
        ("Very important", "Somewhat important", "Not too important", "Not at all important"),
        ("Excellent", "Very good", "Good", "Fair", "Poor"),
        ("Very poor", "Poor", "Fair", "Good", "Very good"),
        ("Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"),
    ],
)
def test_unipolar_validated_and_mirrored_scales_are_balanced(options):
    assert "unbalanced_scale" not in rules("How would you rate it?", options)


def test_unbalanced_satisfaction_scale_suggests_a_mirrored_one():
    hit = next(f for f in findings("Bạn hài lòng ở mức nào?", ("Rất hài lòng", "Hài lòng", "Không hài lòng")))
    assert hit.suggestion.options == ("Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng")
